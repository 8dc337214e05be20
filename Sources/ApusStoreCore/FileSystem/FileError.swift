// An I/O failure as the file-system seam reports it.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An I/O failure with the path and the operating system's reason.
package struct FileError: Error, Sendable, CustomStringConvertible {
    package var operation: String
    package var path: String
    package var errno: Int32

    package init(operation: String, path: String, errno: Int32) {
        self.operation = operation
        self.path = path
        self.errno = errno
    }

    package var description: String {
        "\(operation) \(path): \(String(cString: strerror(errno)))"
    }
}
