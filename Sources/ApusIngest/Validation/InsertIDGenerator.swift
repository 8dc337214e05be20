// Server-generated `$insert_id`s for events that arrive without one (spec §1.7.3): 32 lowercase
// hex digits, like the Python SDK's `uuid4().hex`. xoshiro256** seeded once per batch keeps
// this off the system random source in the per-event loop; a fixed seed makes tests repeatable.

/// A fast pseudo-random generator (xoshiro256**) that makes `$insert_id`s.
package struct InsertIDGenerator: RandomNumberGenerator, Sendable {
    private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

    /// A generator whose sequence is fixed by `seed`.
    package init(seed: UInt64) {
        var sm = seed
        func splitMix() -> UInt64 {
            sm &+= 0x9E37_79B9_7F4A_7C15
            var z = sm
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = splitMix(); s1 = splitMix(); s2 = splitMix(); s3 = splitMix()
    }

    /// A generator seeded from the system's random source.
    package init() {
        var system = SystemRandomNumberGenerator()
        s0 = system.next(); s1 = system.next(); s2 = system.next(); s3 = system.next()
        if s0 | s1 | s2 | s3 == 0 { s0 = 1 }
    }

    /// The next 64 random bits.
    package mutating func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = s3 << 45 | s3 >> 19
        return result
    }

    /// A new id: 32 lowercase hex digits (128 random bits).
    package mutating func makeInsertId() -> String {
        let high = next(), low = next()
        return String(unsafeUninitializedCapacity: 32) { buffer in
            let digits: StaticString = "0123456789abcdef"
            for k in 0 ..< 16 {
                buffer[k] = digits.utf8Start[Int((high >> UInt64(60 - 4 * k)) & 0xF)]
                buffer[16 + k] = digits.utf8Start[Int((low >> UInt64(60 - 4 * k)) & 0xF)]
            }
            return 32
        }
    }
}
