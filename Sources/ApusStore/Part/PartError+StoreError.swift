// Parts report PartError (file, section, code); the store's callers see the module's one error
// type, StoreError. This is the single conversion between the two.

import ApusStoreCore

extension StoreError {
    /// The store-level form of a part failure; the part error stays as the cause, and its code
    /// and file lead the message.
    package init(_ error: PartError) {
        let code: StoreError.Code = switch error.code {
        case .io: .io
        case .invalidInput, .limitExceeded, .exists: .partWriteFailed
        default: .partDamaged
        }
        self.init(code, error.description, cause: error)
    }
}
