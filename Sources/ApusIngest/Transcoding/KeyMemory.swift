// What the transcoder remembers of the keys it has read: the last record's keys by position
// (most records repeat them in order, so a key is checked by comparing bytes instead of being
// scanned again), and the key hashes of the open properties object (to find a repeated key).

/// A properties key as a record held it: its bytes in the input (no escapes), hash and meaning.
struct KeyGuess {
    var start = 0
    /// -1: nothing to guess (the key held escapes).
    var count = -1
    var hash: UInt64 = 0
    var special: EventValidation.SpecialKey?
}

/// The keys of the last record's properties, by position (the first `capacity` of them).
struct KeyGuesses: ~Copyable {
    static let capacity = 64
    private let guesses = UnsafeMutablePointer<KeyGuess>.allocate(capacity: capacity)

    init() { guesses.initialize(repeating: KeyGuess(), count: Self.capacity) }

    deinit { guesses.deallocate() }

    @inline(__always)
    subscript(position: Int) -> KeyGuess? {
        guard position < Self.capacity, guesses[position].count >= 0 else { return nil }
        return guesses[position]
    }

    @inline(__always)
    func set(_ position: Int, _ guess: KeyGuess) {
        if position < Self.capacity { guesses[position] = guess }
    }
}

/// The key hashes of the open properties object (appended through a pointer: an array's
/// append costs more than the check it serves).
struct KeyHashes: ~Copyable {
    private var hashes = UnsafeMutablePointer<UInt64>.allocate(capacity: 64)
    private var capacity = 64
    private var count = 0

    deinit { hashes.deallocate() }

    mutating func removeAll() { count = 0 }

    func contains(_ h: UInt64) -> Bool {
        for i in 0 ..< count where hashes[i] == h { return true }
        return false
    }

    @inline(__always)
    mutating func append(_ h: UInt64) {
        if count == capacity { grow() }
        hashes[count] = h
        count += 1
    }

    @inline(never)
    private mutating func grow() {
        let bigger = UnsafeMutablePointer<UInt64>.allocate(capacity: capacity * 2)
        bigger.update(from: hashes, count: count)
        hashes.deallocate()
        hashes = bigger
        capacity *= 2
    }
}
