// Parts report PartError (file, section, code); the store's callers see the module's one error
// type, StoreError. This is the single conversion between the two.

extension StoreError {
    /// The store-level form of a part failure, keeping its stable code and full message.
    package init(_ error: PartError) {
        self.init(code: error.code.rawValue, message: error.description)
    }
}
