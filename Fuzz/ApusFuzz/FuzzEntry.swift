// Entry points. Built with `-sanitize=fuzzer` and `-DAPUS_FUZZING` (scripts/fuzz), libFuzzer
// supplies `main` and calls `LLVMFuzzerTestOneInput`; the target comes from the environment
// variable `APUS_FUZZ_TARGET`. In an ordinary build (plain `swift build`) the same executable
// is a replay driver: `apus-fuzz <target> <file or folder>…` runs saved inputs (a crash
// reproducer, a corpus) through the target without any sanitizer.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The target libFuzzer drives, read once from `APUS_FUZZ_TARGET`.
let environmentTarget: FuzzTarget = {
    guard let raw = getenv("APUS_FUZZ_TARGET"), let target = FuzzTarget(rawValue: String(cString: raw)) else {
        StandardError.write("apus-fuzz: set APUS_FUZZ_TARGET to one of: \(FuzzTarget.names)\n")
        exit(2)
    }
    return target
}()

/// libFuzzer's per-input callback.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = size == 0 || data == nil ? [] : Array(UnsafeBufferPointer(start: data, count: size))
    environmentTarget.run(bytes)
    return 0
}

/// libFuzzer's start-up hook: fails fast when no target is chosen.
@_cdecl("LLVMFuzzerInitialize")
public func fuzzInitialize(
    _ argc: UnsafeMutablePointer<CInt>?, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?
) -> CInt {
    _ = environmentTarget
    return 0
}

#if !APUS_FUZZING
/// Replays saved inputs: `apus-fuzz <target> <file or folder>…`.
@main
struct Replay {
    static func main() {
        let arguments = CommandLine.arguments.dropFirst()
        guard let name = arguments.first, let target = FuzzTarget(rawValue: name), arguments.count > 1 else {
            StandardError.write("usage: apus-fuzz <target> <file or folder>…  (targets: \(FuzzTarget.names))\n"
                + "Fuzzing itself needs the sanitizer build: scripts/fuzz.\n")
            exit(2)
        }
        var count = 0
        for path in arguments.dropFirst() {
            for file in FileBytes.files(at: path) {
                guard let bytes = FileBytes.read(file) else {
                    StandardError.write("apus-fuzz: cannot read \(file)\n")
                    exit(1)
                }
                target.run(bytes)
                count += 1
            }
        }
        print("\(target.rawValue): \(count) inputs ran without a crash")
    }
}
#endif
