import Foundation

/// A fresh folder under the system temp directory, removed by `remove()`.
package struct TempDirectory: Sendable {
    package let path: String

    package init() {
        path = NSTemporaryDirectory() + "apus-test-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    package func remove() { try? FileManager.default.removeItem(atPath: path) }
}
