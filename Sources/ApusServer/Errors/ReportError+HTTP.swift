// Report errors as HTTP: what the caller asked wrong is 400; a store that could not be read is
// 503 (try again).

import ApusQuery

extension QueryError {
    package init(_ report: ReportError) {
        switch report.code {
        case .storeFailed:
            self.init(status: 503, code: report.code.rawValue, message: report.message)
        // A query stopped for its time limit is the caller's to narrow (400): retrying it as is
        // (what clients do on 5xx) would only run into the limit again.
        case .missingParameter, .invalidParameter, .invalidDateRange, .invalidExpression, .tooLarge, .timedOut:
            self.init(status: 400, code: report.code.rawValue, message: report.message)
        }
    }
}
