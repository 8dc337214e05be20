// Strings made from bytes a parser has checked: the same as decoding them, short or long.

import ApusModel
import Testing

struct ValidatedTextTests {
    @Test(arguments: ["", "a", "user-639873", "16-40000001", "Downgraded Plan", "Downgraded Plans", "Zürich", "é€😀 ok",
                      String(repeating: "x", count: 300), "日本語のテキスト"])
    func makesTheStringItsBytesSpell(text: String) {
        let bytes = Array(text.utf8)
        let made = bytes.withUnsafeBufferPointer { String(checkedUTF8: $0) }
        #expect(made == text)
        #expect(Array(made.utf8) == bytes)
    }
}
