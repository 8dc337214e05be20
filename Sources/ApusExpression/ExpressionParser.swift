// Text → `Expression`, by recursive descent with precedence climbing (spec §3.1–3.4). The
// parser never recurses without counting: every bracket, call argument and prefix operator is
// one level of `ExpressionLimits.depthMax`, and every node it builds is checked against the
// tree depth and node limits, so no input can exhaust the stack or memory.

/// Parses segmentation expressions.
package enum ExpressionParser {
    /// The tree of `text`, or the first problem in it.
    package static func parse(_ text: String, limits: ExpressionLimits = .standard) throws(ExpressionError) -> Expression {
        if text.utf8.count > limits.textBytesMax {
            var bytes = 0
            var offset = 0
            for scalar in text.unicodeScalars {
                bytes += UTF8.width(scalar)
                if bytes > limits.textBytesMax { break }
                offset += 1
            }
            throw ExpressionError(.tooLong, at: offset, "the expression is longer than \(limits.textBytesMax) bytes")
        }
        let scalars = Array(text.unicodeScalars)
        var parser = ExpressionParserState(tokens: ExpressionLexer.tokens(scalars), limits: limits)
        return try parser.parseWhole()
    }
}

/// One parse in progress.
struct ExpressionParserState {
    private let tokens: [ExpressionToken]
    private let limits: ExpressionLimits
    private var index = 0
    /// Brackets, calls and prefix operators open around the current token.
    private var nesting = 0
    /// Nodes built so far.
    private var nodes = 0
    /// `any` variables in scope, innermost last.
    private var variables: [String] = []
    /// `any(...)` calls open around the current token.
    private var anyNesting = 0
    /// Inside an `any` predicate a single `=` compares, as Mixpanel writes `X = "v"`.
    private var predicateNesting = 0

    init(tokens: [ExpressionToken], limits: ExpressionLimits) {
        self.tokens = tokens
        self.limits = limits
    }

    // MARK: Entry

    mutating func parseWhole() throws(ExpressionError) -> Expression {
        if case .end = tokens[0].kind {
            throw ExpressionError(.empty, at: tokens[0].range.lowerBound, "the expression is empty")
        }
        let expression = try parseExpression()
        let token = try current()
        guard case .end = token.kind else {
            throw unexpected(token, expected: "an operator or the end of the expression")
        }
        return expression
    }

    // MARK: Levels, loosest first

    private mutating func parseExpression() throws(ExpressionError) -> Expression {
        try enter(at: try current().range.lowerBound)
        defer { nesting -= 1 }
        return try parseLogical(or: true)
    }

    /// `or` chains of `and` chains of `not` operands, each chain one flat node.
    private mutating func parseLogical(or: Bool) throws(ExpressionError) -> Expression {
        let word = or ? "or" : "and"
        var items = [or ? try parseLogical(or: false) : try parseNot()]
        while try current().keyword == word {
            advance()
            items.append(or ? try parseLogical(or: false) : try parseNot())
        }
        guard items.count > 1, let first = items.first, let last = items.last else { return items[0] }
        for item in items {
            if let literal = Self.literalTypeName(item.kind) {
                throw ExpressionError(.typeError, at: item.range.lowerBound,
                                      "\"\(word)\" needs true/false operands, but this is a \(literal) literal")
            }
        }
        return try node(or ? .or(items) : .and(items), first.range.lowerBound ..< last.range.upperBound)
    }

    private mutating func parseNot() throws(ExpressionError) -> Expression {
        let token = try current()
        guard token.keyword == "not" else { return try parseBinary(.equality) }
        advance()
        try enter(at: token.range.lowerBound)
        defer { nesting -= 1 }
        let operand = try parseNot()
        return try node(.not(operand), token.range.lowerBound ..< operand.range.upperBound)
    }

    /// Equality down to multiplication by precedence climbing; all left-associative.
    private mutating func parseBinary(_ minimum: ExpressionPrecedence) throws(ExpressionError) -> Expression {
        var left = try parseUnary()
        while let op = try binaryOperator(), op.precedence >= minimum {
            advance()
            let tighter = ExpressionPrecedence(rawValue: op.precedence.rawValue + 1) ?? .primary
            let right = try parseBinary(tighter)
            left = try node(.binary(op, left, right), left.range.lowerBound ..< right.range.upperBound)
        }
        return left
    }

    private mutating func parseUnary() throws(ExpressionError) -> Expression {
        let token = try current()
        guard token.kind == .symbol(.minus) else { return try parsePrimary() }
        advance()
        try enter(at: token.range.lowerBound)
        defer { nesting -= 1 }
        let operand = try parseUnary()
        return try node(.negate(operand), token.range.lowerBound ..< operand.range.upperBound)
    }

    private mutating func parsePrimary() throws(ExpressionError) -> Expression {
        let token = try current()
        let start = token.range.lowerBound
        switch token.kind {
        case .number(let n):
            advance()
            return try node(.number(n), token.range)
        case .string(let s):
            advance()
            return try node(.string(s), token.range)
        case .symbol(.openParen):
            advance()
            let inner = try parseExpression()
            _ = try expect(.closeParen, "to close the \"(\" at position \(start)")
            return inner
        case .symbol(.openBracket):
            return try parseList()
        case .identifier(let name):
            return try parseName(name, token)
        default:
            throw unexpected(token, expected: "a value (a property, a literal, a function call or \"(\")")
        }
    }

    // MARK: Primaries

    private mutating func parseList() throws(ExpressionError) -> Expression {
        let start = try current().range.lowerBound
        advance()
        var items: [Expression] = []
        if try current().kind != .symbol(.closeBracket) {
            while true {
                let item = try parseExpression()
                items.append(item)
                if items.count > limits.listElementsMax {
                    throw ExpressionError(.listTooLong, at: item.range.lowerBound,
                                          "a list literal may hold at most \(limits.listElementsMax) elements")
                }
                guard try current().kind == .symbol(.comma) else { break }
                advance()
            }
        }
        let end = try expect(.closeBracket, "after the list elements")
        return try node(.list(items), start ..< end)
    }

    private mutating func parseName(_ name: String, _ token: ExpressionToken) throws(ExpressionError) -> Expression {
        let start = token.range.lowerBound
        let keyword = name.lowercased()
        switch keyword {
        case "true", "false":
            advance()
            return try node(.boolean(keyword == "true"), token.range)
        case "null":
            advance()
            return try node(.null, token.range)
        case "properties", "user", "event":
            return try parseReference(keyword, start: start)
        case "any":
            return try parseAny(start: start)
        case "not":
            throw ExpressionError(.unexpectedToken, at: start,
                                  "\"not\" cannot stand inside an operand here; put \"not …\" in parentheses")
        case "and", "or", "in":
            throw unexpected(token, expected: "a value before \"\(name)\"")
        default:
            break
        }
        if let function = ExpressionFunction(name: name) {
            return try parseCall(function, start: start)
        }
        if variables.contains(where: { $0.utf8.elementsEqual(name.utf8) }) {
            advance()
            return try node(.variable(name), token.range)
        }
        if index + 1 < tokens.count, tokens[index + 1].kind == .symbol(.openParen) {
            let known = ExpressionFunction.allCases.map(\.rawValue).joined(separator: ", ")
            throw ExpressionError(.unknownFunction, at: start, "unknown function \"\(name)\" (known: \(known), any)")
        }
        throw ExpressionError(.unknownIdentifier, at: start,
                              "unknown name \"\(name)\"; a property is written properties[\"\(name)\"]")
    }

    /// `properties["k"]`, `user["k"]`, `event["$time"]`.
    private mutating func parseReference(_ scope: String, start: Int) throws(ExpressionError) -> Expression {
        advance()
        _ = try expect(.openBracket, "after \(scope)")
        let keyToken = try current()
        guard case .string(let key) = keyToken.kind else {
            throw unexpected(keyToken, expected: "the property name in quotes after \"[\"")
        }
        advance()
        let end = try expect(.closeBracket, "after the property name")
        switch scope {
        case "properties":
            return try node(.property(key), start ..< end)
        case "user":
            return try node(.userProperty(key), start ..< end)
        default:
            guard let field = EventField(rawValue: key) else {
                let known = EventField.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
                throw ExpressionError(.unknownEventField, at: keyToken.range.lowerBound,
                                      "unknown event field \(ExpressionText.quoted(key)) (known: \(known))")
            }
            return try node(.eventField(field), start ..< end)
        }
    }

    /// `any(X, list, predicate)`.
    private mutating func parseAny(start: Int) throws(ExpressionError) -> Expression {
        if anyNesting >= limits.anyNestingMax {
            throw ExpressionError(.tooDeep, at: start, "any() may be nested at most \(limits.anyNestingMax) deep")
        }
        advance()
        _ = try expect(.openParen, "after any")
        let variableToken = try current()
        guard case .identifier(let variable) = variableToken.kind, !Self.isReserved(variable) else {
            throw unexpected(variableToken, expected: "a variable name (such as X) as the first argument of any")
        }
        advance()
        _ = try expect(.comma, "after the variable of any")
        anyNesting += 1
        defer { anyNesting -= 1 }
        let list = try parseExpression()
        _ = try expect(.comma, "after the list argument of any")
        variables.append(variable)
        predicateNesting += 1
        let predicate = try parseExpression()
        variables.removeLast()
        predicateNesting -= 1
        let end = try expect(.closeParen, "to close any(")
        return try node(.any(variable: variable, list: list, predicate: predicate), start ..< end)
    }

    private mutating func parseCall(_ function: ExpressionFunction, start: Int) throws(ExpressionError) -> Expression {
        advance()
        _ = try expect(.openParen, "after \(function.rawValue)")
        var arguments: [Expression] = []
        if try current().kind != .symbol(.closeParen) {
            while true {
                arguments.append(try parseExpression())
                guard try current().kind == .symbol(.comma) else { break }
                advance()
            }
        }
        let end = try expect(.closeParen, "after the arguments of \(function.rawValue)(")
        let arity = function.arity
        guard arity.contains(arguments.count) else {
            let expected = arity.count == 1 ? "\(arity.lowerBound) argument" : "\(arity.lowerBound) or \(arity.upperBound) arguments"
            throw ExpressionError(.wrongArgumentCount, at: start,
                                  "\(function.rawValue)() takes \(expected), not \(arguments.count)")
        }
        if function == .datetime, let literal = try Self.datetimeLiteral(arguments[0]) {
            return try node(.datetime(literal), start ..< end)
        }
        return try node(.call(function, arguments), start ..< end)
    }

    /// The instant of `datetime("…")` or `datetime(n)` when the argument is a literal (checked
    /// now, so a bad date is a 400 and not a silently empty result); nil for other arguments.
    private static func datetimeLiteral(_ argument: Expression) throws(ExpressionError) -> Int64? {
        switch argument.kind {
        case .string(let text):
            guard let ms = DatetimeText.parse(text) else {
                throw ExpressionError(.invalidDatetime, at: argument.range.lowerBound,
                                      "datetime() needs a date such as \"2025-01-31\" or \"2025-01-31T13:45:00\", not \(ExpressionText.quoted(text))")
            }
            return ms
        case .number(let seconds):
            guard let ms = DatetimeText.milliseconds(fromSeconds: seconds) else {
                throw ExpressionError(.invalidDatetime, at: argument.range.lowerBound,
                                      "datetime() of a number takes seconds since 1970 within years 1 to 9999")
            }
            return ms
        default:
            return nil
        }
    }

    // MARK: Tokens

    /// The current token; throws the lexer's error when it is invalid.
    private func current() throws(ExpressionError) -> ExpressionToken {
        let token = tokens[index]
        if case .invalid(let error) = token.kind { throw error }
        return token
    }

    private mutating func advance() {
        if index < tokens.count - 1 { index += 1 }
    }

    /// The binary operator at the current token, if any (`=` only inside an `any` predicate).
    private func binaryOperator() throws(ExpressionError) -> BinaryOperator? {
        let token = try current()
        switch token.kind {
        case .symbol(let symbol):
            switch symbol {
            case .plus: return .add
            case .minus: return .subtract
            case .star: return .multiply
            case .slash: return .divide
            case .percent: return .remainder
            case .equalEqual: return .equal
            case .equal: return predicateNesting > 0 ? .equal : nil
            case .notEqual: return .notEqual
            case .less: return .less
            case .lessEqual: return .lessOrEqual
            case .greater: return .greater
            case .greaterEqual: return .greaterOrEqual
            default: return nil
            }
        case .identifier:
            return token.keyword == "in" ? .in : nil
        default:
            return nil
        }
    }

    /// Consumes `symbol` and returns the offset just past it, or throws naming what was expected.
    private mutating func expect(_ symbol: ExpressionToken.Symbol, _ context: String) throws(ExpressionError) -> Int {
        let token = try current()
        guard token.kind == .symbol(symbol) else {
            throw unexpected(token, expected: "\"\(symbol.rawValue)\" \(context)")
        }
        advance()
        return token.range.upperBound
    }

    private func unexpected(_ token: ExpressionToken, expected: String) -> ExpressionError {
        let at = token.range.lowerBound
        switch token.kind {
        case .end:
            return ExpressionError(.unexpectedEnd, at: at, "expected \(expected) but the expression ended")
        case .symbol(.equal):
            return ExpressionError(.unexpectedToken, at: at,
                                   "expected \(expected) but found \"=\" (use \"==\" to compare; a single \"=\" is for any() predicates)")
        default:
            return ExpressionError(.unexpectedToken, at: at, "expected \(expected) but found \(token.spelling)")
        }
    }

    // MARK: Limits

    private mutating func enter(at offset: Int) throws(ExpressionError) {
        nesting += 1
        if nesting > limits.depthMax {
            throw ExpressionError(.tooDeep, at: offset, "the expression nests deeper than \(limits.depthMax) levels")
        }
    }

    private mutating func node(_ kind: Expression.Kind, _ range: Range<Int>) throws(ExpressionError) -> Expression {
        nodes += 1
        if nodes > limits.nodesMax {
            throw ExpressionError(.tooManyNodes, at: range.lowerBound,
                                  "the expression has more than \(limits.nodesMax) parts")
        }
        let expression = Expression(kind, range: range)
        if expression.depth > limits.depthMax {
            throw ExpressionError(.tooDeep, at: range.lowerBound, "the expression nests deeper than \(limits.depthMax) levels")
        }
        return expression
    }

    // MARK: Names

    private static let reservedWords: Set<String> = Set(
        ["and", "or", "not", "in", "true", "false", "null", "properties", "user", "event", "any"]
            + ExpressionFunction.allCases.map(\.rawValue))

    /// Keywords, scopes and function names, which cannot name an `any` variable.
    static func isReserved(_ name: String) -> Bool { reservedWords.contains(name.lowercased()) }

    /// The type of a literal that can never be an operand of `and`/`or`.
    private static func literalTypeName(_ kind: Expression.Kind) -> String? {
        switch kind {
        case .string: "string"
        case .number: "number"
        case .null: "null"
        case .list: "list"
        case .datetime: "datetime"
        default: nil
        }
    }
}
