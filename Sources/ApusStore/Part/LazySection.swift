// A section decoded on first use and kept. PartReader is immutable and shared across threads;
// this box is its only mutable state, guarded by a lock, so a section is decoded (and its CRC
// checked) once even when several queries ask for it at the same moment. NSLock rather than
// Synchronization.Mutex because the package still supports macOS 14.

import Foundation

/// A value computed once under a lock. A failed computation is not cached, so the error is
/// reported again on the next access.
final class LazySection<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value?

    init() {}

    /// The cached value, computing it with `make` the first time.
    func get(_ make: () throws(PartError) -> Value) throws(PartError) -> Value {
        lock.lock()
        defer { lock.unlock() }
        if let value { return value }
        let made = try make()
        value = made
        return made
    }
}
