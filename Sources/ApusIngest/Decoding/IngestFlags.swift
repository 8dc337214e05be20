// The response-shaping flags (spec §1.1, §1.2). The JS SDK puts them in the query string, the
// Python SDK in the form body, so they are read from both; a form-body value wins.

import ApusModel

/// Flags that shape how a request is validated and answered.
package struct IngestFlags: Sendable, Equatable {
    /// `verbose`: 0 = bare `1`/`0`, 1 = `{"status","error"}` JSON, 2 = JSON with real HTTP error codes.
    package var verbose: Int
    /// `ip`: use the request's source IP for geolocation. Defaults to false on /track and
    /// /import, true on /engage and /groups (Mixpanel's defaults).
    package var ip: Bool
    /// `img`: answer with a 1×1 GIF.
    package var img: Bool
    /// `strict`: validate /import records strictly and report each failure.
    package var strict: Bool
    /// `callback`: JSONP function name, if given.
    package var callback: String?
    /// `redirect`: URL to redirect to after ingesting, if given.
    package var redirect: String?

    /// Creates flags.
    package init(
        verbose: Int = 0, ip: Bool = false, img: Bool = false, strict: Bool = false,
        callback: String? = nil, redirect: String? = nil
    ) {
        self.verbose = verbose
        self.ip = ip
        self.img = img
        self.strict = strict
        self.callback = callback
        self.redirect = redirect
    }

    /// The flags when none are given, for `endpoint`.
    package static func defaults(for endpoint: IngestEndpoint) -> IngestFlags {
        switch endpoint {
        case .track, .importEvents: IngestFlags(ip: false)
        case .engage, .groups: IngestFlags(ip: true)
        }
    }

    /// The flags in a raw query string (without `?`) over the defaults for `endpoint`. For
    /// answering a request whose body could not be decoded; `PayloadDecoder` reads body flags too.
    package static func fromQuery(_ query: String, endpoint: IngestEndpoint) -> IngestFlags {
        var flags = defaults(for: endpoint)
        for field in FormFields(parsing: query).fields {
            _ = flags.apply(name: field.name, value: field.value)
        }
        return flags
    }

    /// Applies a flag field; returns false when `name` is not a flag.
    mutating func apply(name: String, value: String) -> Bool {
        switch name {
        case "verbose":
            verbose = Self.verbosity(value)
        case "ip":
            ip = Self.truthy(value)
        case "img":
            img = Self.truthy(value)
        case "strict":
            strict = Self.truthy(value)
        case "callback":
            callback = value.isEmpty ? nil : value
        case "redirect":
            redirect = value.isEmpty ? nil : value
        default:
            return false
        }
        return true
    }

    /// `1`, `true`, `yes`, `on` (any case) are true; anything else is false.
    static func truthy(_ value: String) -> Bool {
        switch value.lowercased() {
        case "1", "true", "yes", "on": true
        default: false
        }
    }

    static func verbosity(_ value: String) -> Int {
        if let n = DecimalText.integer(value) { return Int(min(n, 2)) }
        return truthy(value) ? 1 : 0
    }
}
