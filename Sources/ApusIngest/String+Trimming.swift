// Trimming for header values, flags and quoted numbers, without Foundation.

extension String {
    /// Without leading and trailing spaces, tabs and newlines.
    var trimmingSpaces: Substring {
        var s = Substring(self)
        while let c = s.first, c == " " || c == "\t" || c == "\n" || c == "\r" { s.removeFirst() }
        while let c = s.last, c == " " || c == "\t" || c == "\n" || c == "\r" { s.removeLast() }
        return s
    }
}
