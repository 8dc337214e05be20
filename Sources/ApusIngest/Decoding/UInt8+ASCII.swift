// Named ASCII bytes for the byte-level decoders in this module.

extension UInt8 {
    static let tab: UInt8 = 0x09
    static let newline: UInt8 = 0x0A
    static let carriageReturn: UInt8 = 0x0D
    static let space: UInt8 = 0x20
    static let percent: UInt8 = 0x25
    static let ampersand: UInt8 = 0x26
    static let plus: UInt8 = 0x2B
    static let minus: UInt8 = 0x2D
    static let slash: UInt8 = 0x2F
    static let equals: UInt8 = 0x3D
    static let questionMark: UInt8 = 0x3F
    static let openBracket: UInt8 = 0x5B
    static let underscore: UInt8 = 0x5F
    static let openBrace: UInt8 = 0x7B

    /// Space, tab, carriage return or newline.
    var isJSONWhitespace: Bool { self == .space || self == .newline || self == .carriageReturn || self == .tab }
}
