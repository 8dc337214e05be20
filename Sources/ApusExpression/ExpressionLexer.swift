// Splits expression text into tokens. Works on Unicode scalars so that positions in errors
// count characters the way a client sees them. A bad token does not throw here: it ends the
// token list as `.invalid`, and the parser reports it only if it reaches it, so the first
// problem in the text is the one reported.

/// One token and the characters it covers.
struct ExpressionToken: Sendable {
    enum Kind: Sendable, Equatable {
        /// A name: keyword, function, `properties`/`user`/`event`, or an `any` variable.
        case identifier(String)
        case string(String)
        case number(Double)
        case symbol(Symbol)
        case end
        /// Text that is no token; the parser throws this error when it reaches it.
        case invalid(ExpressionError)
    }

    enum Symbol: String, Sendable {
        case openParen = "(", closeParen = ")", openBracket = "[", closeBracket = "]", comma = ","
        case plus = "+", minus = "-", star = "*", slash = "/", percent = "%"
        case equalEqual = "==", equal = "=", notEqual = "!="
        case less = "<", lessEqual = "<=", greater = ">", greaterEqual = ">="
    }

    var kind: Kind
    var range: Range<Int>

    /// The identifier lowercased (ASCII), for matching keywords; nil for other tokens.
    var keyword: String? {
        if case .identifier(let name) = kind { return name.lowercased() }
        return nil
    }

    /// How messages name the token.
    var spelling: String {
        switch kind {
        case .identifier(let name): "\"\(name)\""
        case .string: "a string"
        case .number(let n): "the number \(ExpressionText.number(n))"
        case .symbol(let s): "\"\(s.rawValue)\""
        case .end: "the end of the expression"
        case .invalid: "an invalid token"
        }
    }
}

/// Turns text into tokens (see the file comment for how errors travel).
struct ExpressionLexer {
    private let text: [Unicode.Scalar]
    private var i = 0

    init(_ text: [Unicode.Scalar]) { self.text = text }

    /// Every token up to `.end`, or up to and including the first `.invalid`.
    static func tokens(_ text: [Unicode.Scalar]) -> [ExpressionToken] {
        var lexer = ExpressionLexer(text)
        var tokens: [ExpressionToken] = []
        while true {
            let token = lexer.next()
            tokens.append(token)
            switch token.kind {
            case .end, .invalid: return tokens
            default: continue
            }
        }
    }

    private mutating func next() -> ExpressionToken {
        while i < text.count, text[i] == " " || text[i] == "\t" || text[i] == "\n" || text[i] == "\r" { i += 1 }
        let start = i
        guard i < text.count else { return ExpressionToken(kind: .end, range: start ..< start) }
        let c = text[i]
        let kind: ExpressionToken.Kind
        switch c {
        case "\"", "'": kind = string(quote: c)
        case "0" ... "9": kind = number()
        case "a" ... "z", "A" ... "Z", "_":
            while i < text.count, Self.isIdentifierPart(text[i]) { i += 1 }
            kind = .identifier(String(String.UnicodeScalarView(text[start ..< i])))
        default: kind = symbol()
        }
        return ExpressionToken(kind: kind, range: start ..< i)
    }

    static func isIdentifierPart(_ c: Unicode.Scalar) -> Bool {
        switch c {
        case "a" ... "z", "A" ... "Z", "0" ... "9", "_": true
        default: false
        }
    }

    private mutating func symbol() -> ExpressionToken.Kind {
        let start = i
        let c = text[i]
        i += 1
        let followedByEquals = i < text.count && text[i] == "="
        let symbol: ExpressionToken.Symbol
        switch c {
        case "(": symbol = .openParen
        case ")": symbol = .closeParen
        case "[": symbol = .openBracket
        case "]": symbol = .closeBracket
        case ",": symbol = .comma
        case "+": symbol = .plus
        case "-": symbol = .minus
        case "*": symbol = .star
        case "/": symbol = .slash
        case "%": symbol = .percent
        case "=": symbol = followedByEquals ? .equalEqual : .equal
        case "<": symbol = followedByEquals ? .lessEqual : .less
        case ">": symbol = followedByEquals ? .greaterEqual : .greater
        case "!" where followedByEquals: symbol = .notEqual
        default:
            let shown = c.isASCII && c.value >= 0x20 && c.value < 0x7F ? "\"\(c)\"" : "U+\(String(c.value, radix: 16, uppercase: true))"
            return .invalid(ExpressionError(.unexpectedCharacter, at: start, "unexpected character \(shown)"))
        }
        if symbol.rawValue.unicodeScalars.count == 2 { i += 1 }
        return .symbol(symbol)
    }

    /// Digits, an optional fraction, an optional exponent; no sign (that is unary minus), no
    /// hex, and no letter, digit or dot straight after.
    private mutating func number() -> ExpressionToken.Kind {
        let start = i
        func digits() -> Int {
            let from = i
            while i < text.count, ("0" ... "9").contains(text[i]) { i += 1 }
            return i - from
        }
        func invalid(_ what: String) -> ExpressionToken.Kind {
            .invalid(ExpressionError(.invalidNumber, at: start, what))
        }
        _ = digits()
        if i < text.count, text[i] == "." {
            i += 1
            guard digits() > 0 else { return invalid("expected digits after the decimal point of the number") }
        }
        if i < text.count, text[i] == "e" || text[i] == "E" {
            i += 1
            if i < text.count, text[i] == "+" || text[i] == "-" { i += 1 }
            guard digits() > 0 else { return invalid("expected digits in the exponent of the number") }
        }
        if i < text.count, Self.isIdentifierPart(text[i]) || text[i] == "." {
            return invalid("a number must not run into letters or another dot (hex and suffixes are not numbers)")
        }
        let spelled = String(String.UnicodeScalarView(text[start ..< i]))
        guard let value = Double(spelled), value.isFinite else {
            return invalid("the number is too large")
        }
        return .number(value)
    }

    /// A string in double (or single) quotes with JSON's escapes plus `\'`.
    private mutating func string(quote: Unicode.Scalar) -> ExpressionToken.Kind {
        let start = i
        i += 1
        var value = String.UnicodeScalarView()
        while i < text.count {
            let c = text[i]
            if c == quote {
                i += 1
                return .string(String(value))
            }
            guard c == "\\" else {
                value.append(c)
                i += 1
                continue
            }
            let escapeStart = i
            i += 1
            guard i < text.count else { break }
            let e = text[i]
            i += 1
            switch e {
            case "\"", "'", "\\", "/": value.append(e)
            case "n": value.append("\n")
            case "t": value.append("\t")
            case "r": value.append("\r")
            case "b": value.append("\u{08}")
            case "f": value.append("\u{0C}")
            case "u":
                guard let scalar = unicodeEscape() else {
                    return .invalid(ExpressionError(.invalidEscape, at: escapeStart,
                                                    "expected four hex digits naming a character after \\u"))
                }
                value.append(scalar)
            default:
                return .invalid(ExpressionError(.invalidEscape, at: escapeStart,
                                                "unknown escape \\\(e) in a string (use \\\\ for a backslash)"))
            }
        }
        return .invalid(ExpressionError(.unterminatedString, at: start, "unterminated string: no closing \(quote) for the quote"))
    }

    /// The scalar of `XXXX` (after `\u`), joining a surrogate pair `\uD83D\uDE00`; nil for bad
    /// hex or a lone surrogate.
    private mutating func unicodeEscape() -> Unicode.Scalar? {
        guard let high = hex4() else { return nil }
        if (0xD800 ..< 0xDC00).contains(high) {
            guard i + 1 < text.count, text[i] == "\\", text[i + 1] == "u" else { return nil }
            i += 2
            guard let low = hex4(), (0xDC00 ..< 0xE000).contains(low) else { return nil }
            return Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))
        }
        return Unicode.Scalar(high)
    }

    private mutating func hex4() -> UInt32? {
        guard i + 4 <= text.count else { return nil }
        var value: UInt32 = 0
        for _ in 0 ..< 4 {
            let c = text[i].value
            let digit: UInt32
            switch c {
            case 0x30 ... 0x39: digit = c - 0x30 // 0-9
            case 0x41 ... 0x46: digit = c - 0x41 + 10 // A-F
            case 0x61 ... 0x66: digit = c - 0x61 + 10 // a-f
            default: return nil
            }
            value = value * 16 + digit
            i += 1
        }
        return value
    }
}
