// Named ASCII bytes for the byte-level decoders (JSON parser here, form and base64 decoding
// in ApusIngest): one table, so the two never disagree.

extension UInt8 {
    package static let tab: UInt8 = 0x09
    package static let newline: UInt8 = 0x0A
    package static let carriageReturn: UInt8 = 0x0D
    package static let space: UInt8 = 0x20
    package static let quote: UInt8 = 0x22
    package static let percent: UInt8 = 0x25
    package static let ampersand: UInt8 = 0x26
    package static let plus: UInt8 = 0x2B
    package static let comma: UInt8 = 0x2C
    package static let minus: UInt8 = 0x2D
    package static let dot: UInt8 = 0x2E
    package static let slash: UInt8 = 0x2F
    package static let digit0: UInt8 = 0x30
    package static let digit9: UInt8 = 0x39
    package static let colon: UInt8 = 0x3A
    package static let equals: UInt8 = 0x3D
    package static let questionMark: UInt8 = 0x3F
    package static let letterE: UInt8 = 0x45
    package static let openBracket: UInt8 = 0x5B
    package static let backslash: UInt8 = 0x5C
    package static let closeBracket: UInt8 = 0x5D
    package static let underscore: UInt8 = 0x5F
    package static let letterLowerE: UInt8 = 0x65
    package static let letterF: UInt8 = 0x66
    package static let letterN: UInt8 = 0x6E
    package static let letterT: UInt8 = 0x74
    package static let openBrace: UInt8 = 0x7B
    package static let closeBrace: UInt8 = 0x7D

    /// Space, tab, carriage return or newline.
    package var isJSONWhitespace: Bool { self == .space || self == .newline || self == .carriageReturn || self == .tab }
}
