// The parser's scratch stack for members and elements of containers still open.
// Elements are moved (not copied) into the container's array when it closes, so building an
// object costs one allocation and no reference-count traffic per member.

/// A growable stack whose tail can be moved out into an `Array`.
final class JSONParserStack<Element> {
    private var base: UnsafeMutablePointer<Element>
    private var capacity: Int
    private(set) var count = 0

    init(capacity: Int = 64) {
        self.capacity = capacity
        base = .allocate(capacity: capacity)
    }

    deinit {
        base.deinitialize(count: count)
        base.deallocate()
    }

    func push(_ element: consuming Element) {
        if count == capacity { grow() }
        (base + count).initialize(to: element)
        count += 1
    }

    /// The storage, valid until the next push (which may move it). For tight loops, which
    /// would otherwise pay an exclusivity check per element through the subscript.
    var elements: UnsafeMutablePointer<Element> { base }

    /// The element at `index` (below `count`), readable and writable in place.
    subscript(index: Int) -> Element {
        get { base[index] }
        set { base[index] = newValue }
    }

    /// Moves the elements from `start` to the top into a new array and pops them.
    func popAll(from start: Int) -> [Element] {
        let n = count - start
        let source = base + start
        let elements = [Element](unsafeUninitializedCapacity: n) { buffer, initialized in
            if n > 0 { buffer.baseAddress!.moveInitialize(from: source, count: n) }
            initialized = n
        }
        count = start
        return elements
    }

    private func grow() {
        let newCapacity = capacity * 2
        let newBase = UnsafeMutablePointer<Element>.allocate(capacity: newCapacity)
        newBase.moveInitialize(from: base, count: count)
        base.deallocate()
        base = newBase
        capacity = newCapacity
    }
}
