// Named ASCII bytes for the byte-level decoders (JSON parser here, form and base64 decoding
// in ApusIngest): one table, so the two never disagree.

extension UInt8 {
    @inlinable package static var tab: UInt8 { 0x09 }
    @inlinable package static var newline: UInt8 { 0x0A }
    @inlinable package static var carriageReturn: UInt8 { 0x0D }
    @inlinable package static var space: UInt8 { 0x20 }
    @inlinable package static var quote: UInt8 { 0x22 }
    @inlinable package static var percent: UInt8 { 0x25 }
    @inlinable package static var ampersand: UInt8 { 0x26 }
    @inlinable package static var plus: UInt8 { 0x2B }
    @inlinable package static var comma: UInt8 { 0x2C }
    @inlinable package static var minus: UInt8 { 0x2D }
    @inlinable package static var dot: UInt8 { 0x2E }
    @inlinable package static var slash: UInt8 { 0x2F }
    @inlinable package static var digit0: UInt8 { 0x30 }
    @inlinable package static var digit9: UInt8 { 0x39 }
    @inlinable package static var colon: UInt8 { 0x3A }
    @inlinable package static var equals: UInt8 { 0x3D }
    @inlinable package static var questionMark: UInt8 { 0x3F }
    @inlinable package static var letterE: UInt8 { 0x45 }
    @inlinable package static var openBracket: UInt8 { 0x5B }
    @inlinable package static var backslash: UInt8 { 0x5C }
    @inlinable package static var closeBracket: UInt8 { 0x5D }
    @inlinable package static var underscore: UInt8 { 0x5F }
    @inlinable package static var letterLowerE: UInt8 { 0x65 }
    @inlinable package static var letterF: UInt8 { 0x66 }
    @inlinable package static var letterN: UInt8 { 0x6E }
    @inlinable package static var letterT: UInt8 { 0x74 }
    @inlinable package static var openBrace: UInt8 { 0x7B }
    @inlinable package static var closeBrace: UInt8 { 0x7D }

    /// Space, tab, carriage return or newline.
    @inlinable package var isJSONWhitespace: Bool { self == .space || self == .newline || self == .carriageReturn || self == .tab }
}
