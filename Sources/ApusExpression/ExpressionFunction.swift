// The functions of the language and how many arguments each takes. Mixpanel documents the math
// functions and three casts; `defined`, `datetime`, `list` and the two-argument `string` appear
// in its guides, and `lower`/`upper` are the string functions offered here.
//
// Left out on purpose: `any` is not here (it binds a variable, so it is its own node); the
// custom-property formula language's functions (`len`, `split`, `regex_match`, `if`, `today`,
// date arithmetic helpers) are a different Mixpanel language and are not documented for
// segmentation expressions; `now`/`today` would also make results depend on the clock.

/// A named function with a fixed number of arguments.
package enum ExpressionFunction: String, Sendable, CaseIterable {
    /// `defined(x)`: true unless `x` is undefined.
    case defined
    case floor, round, ceil
    /// Casts.
    case boolean, number, string, datetime, list
    /// Case mapping of strings.
    case lower, upper

    /// The argument counts accepted: 1 for all but `string`, which takes a default for
    /// undefined as an optional second argument.
    package var arity: ClosedRange<Int> {
        self == .string ? 1 ... 2 : 1 ... 1
    }

    /// The function named `name`, compared without regard to ASCII case.
    package init?(name: String) {
        self.init(rawValue: name.lowercased())
    }
}
