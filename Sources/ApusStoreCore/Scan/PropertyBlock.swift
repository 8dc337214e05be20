// One property key over the rows of a block, as typed sub-columns: a key that holds strings in
// some rows and numbers in others keeps both, each with its own presence, so a filter on either
// type is a loop over one array. Values are dense (one slot per row, unused where absent), so
// kernels index by row without rank lookups.

import ApusModel

/// String values of a key: a dictionary id per row.
package struct StringValues: Sendable, Equatable {
    package var present: Bitmap
    /// Per row, an index into `dictionary` (0 where absent).
    package var ids: [UInt32]
    /// The distinct strings, each once; or, when `perRow`, one entry per row holding a string.
    package var dictionary: [String]
    /// The key's values were found mostly distinct while the block was built for writing a
    /// part (`EventBlockBuilder`'s `plainWhenDistinct`), so they were not numbered: the
    /// dictionary holds every row's string, repeats included. Only a part writer takes such
    /// blocks, and stores the key as plain text.
    package var perRow = false

    package init(present: Bitmap, ids: [UInt32], dictionary: [String], perRow: Bool = false) {
        self.present = present
        self.ids = ids
        self.dictionary = dictionary
        self.perRow = perRow
    }
}

/// Number values of a key (JSON numbers are IEEE doubles, as Mixpanel keeps them).
package struct NumberValues: Sendable, Equatable {
    package var present: Bitmap
    /// Per row (0 where absent).
    package var values: [Double]

    package init(present: Bitmap, values: [Double]) {
        self.present = present
        self.values = values
    }
}

/// Boolean values of a key.
package struct BooleanValues: Sendable, Equatable {
    package var present: Bitmap
    package var values: Bitmap

    package init(present: Bitmap, values: Bitmap) {
        self.present = present
        self.values = values
    }
}

/// Lists or objects of a key, as compact JSON text per row (empty where absent).
package struct JSONTextValues: Sendable, Equatable {
    package var present: Bitmap
    package var text: StringColumn

    package init(present: Bitmap, text: StringColumn) {
        self.present = present
        self.text = text
    }
}

/// A property key over a block's rows: one sub-column per JSON type the key holds there.
package struct PropertyBlock: Sendable, Equatable {
    package var strings: StringValues?
    package var numbers: NumberValues?
    package var booleans: BooleanValues?
    /// Rows where the key holds JSON `null`.
    package var nulls: Bitmap?
    package var lists: JSONTextValues?
    package var objects: JSONTextValues?

    package init(strings: StringValues? = nil, numbers: NumberValues? = nil, booleans: BooleanValues? = nil,
                 nulls: Bitmap? = nil, lists: JSONTextValues? = nil, objects: JSONTextValues? = nil) {
        self.strings = strings
        self.numbers = numbers
        self.booleans = booleans
        self.nulls = nulls
        self.lists = lists
        self.objects = objects
    }

    /// Rows that hold the key at all, of `rowCount`.
    package func present(rowCount: Int) -> Bitmap {
        var out = Bitmap(count: rowCount)
        for p in [strings?.present, numbers?.present, booleans?.present, nulls, lists?.present, objects?.present] {
            if let p { out = out.union(p) }
        }
        return out
    }

    /// The value at `row`, or nil when the row lacks the key. For output edges and reference
    /// checks; kernels read the typed arrays.
    package func value(at row: Int) -> JSONValue? {
        if let s = strings, s.present[row] { return .string(s.dictionary[Int(s.ids[row])]) }
        if let n = numbers, n.present[row] { return .number(n.values[row]) }
        if let b = booleans, b.present[row] { return .bool(b.values[row]) }
        if let z = nulls, z[row] { return .null }
        if let l = lists, l.present[row] { return Self.parse(l.text, row) }
        if let o = objects, o.present[row] { return Self.parse(o.text, row) }
        return nil
    }

    private static func parse(_ text: StringColumn, _ row: Int) -> JSONValue {
        (try? JSONParser.parse(Array(text.arena[text.range(of: row)]))) ?? .null
    }
}
