// The fuzz targets of `apus-fuzz`, one per decoder family and one for the expression language.
// One executable holds them all so the sanitizer build compiles and links once;
// `APUS_FUZZ_TARGET` (or the replay driver's first argument) picks which one runs. Fuzz/README.md says how to build and run them.

/// A decoder family under fuzzing. Each `run` must finish for any input, and traps (via
/// `require`) when a decoder breaks one of its invariants.
enum FuzzTarget: String, CaseIterable, Sendable {
    /// `PayloadDecoder` over every transport and encoding, then event and profile validation.
    case payload
    /// `JSONParser` (single value and sequence), the writer round trip, and the record scanner
    /// against the parser.
    case json
    /// Lenient base64, including its percent-encoded form values.
    case base64
    /// gzip and deflate inflation, with a compress → inflate round trip.
    case inflate
    /// `DecimalText`, `CivilDate` and `ClientTime`: numbers and dates that arrive as text.
    case scalars
    /// `EventTranscoder` against the general path (parse, validate, encode), differentially.
    case transcoder
    /// The segmentation-expression parser, canonical printer, evaluator and constant folding.
    case expression

    /// Runs the target on one input.
    func run(_ bytes: [UInt8]) {
        switch self {
        case .payload: PayloadFuzzer.run(bytes)
        case .json: JSONFuzzer.run(bytes)
        case .base64: Base64Fuzzer.run(bytes)
        case .inflate: InflateFuzzer.run(bytes)
        case .scalars: ScalarTextFuzzer.run(bytes)
        case .transcoder: TranscoderFuzzer.run(bytes)
        case .expression: ExpressionFuzzer.run(bytes)
        }
    }

    /// The names, for usage messages.
    static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }
}
