// The HTTP status of a refused caller: 401 for missing or wrong credentials, 403 for right
// credentials without the right, 400 when the request cannot be authenticated as written.

extension AuthError {
    /// The status every route answers this refusal with.
    package var httpStatus: Int {
        switch kind {
        case .unauthenticated: 401
        case .forbidden: 403
        case .badRequest: 400
        }
    }
}
