// Report errors as HTTP: what the caller asked wrong is 400; a store that could not be read is
// 503 (try again).

import ApusQuery

extension QueryError {
    package init(_ report: ReportError) {
        switch report.code {
        case .storeFailed:
            self.init(status: 503, code: report.code.rawValue, message: report.message)
        case .missingParameter, .invalidParameter, .invalidDateRange, .invalidExpression, .tooLarge:
            self.init(status: 400, code: report.code.rawValue, message: report.message)
        }
    }
}
