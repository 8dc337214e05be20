// Mixpanel-like events for tests and benchmarks: ~350 bytes of JSON, 10–15 properties (with
// distinct_id, time and $insert_id), a skewed
// mix of ~40 event names, ~100k users with heavy hitters, browser/OS/country/UTM values with
// realistic cardinalities, numbers, booleans and the occasional list. Seeded, so every run of a
// benchmark sends the same bytes.

import ApusModel

/// Generates reproducible Mixpanel-like events.
public struct WorkloadGenerator: Sendable {
    public struct Options: Sendable {
        /// Distinct users.
        public var users = 100_000
        /// First event time (ms); events spread over `days` days from here.
        public var startMs: Int64 = 1_735_689_600_000
        public var days = 30
        /// When set, times rise through the span over this many events (as in an export, which
        /// lists events in time order) instead of falling anywhere in it.
        public var timeOrderedOver: Int? = nil
        public init() {}
    }

    private var rng: SeededRandom
    private let options: Options
    private var counter = 0
    private let seedTag: String

    static let eventNames = [
        "Page Viewed", "Signed Up", "Logged In", "Logged Out", "Searched", "Viewed Product", "Added To Cart",
        "Removed From Cart", "Started Checkout", "Completed Purchase", "Applied Coupon", "Viewed Pricing",
        "Started Trial", "Upgraded Plan", "Downgraded Plan", "Invited Teammate", "Created Project",
        "Deleted Project", "Uploaded File", "Downloaded Report", "Shared Link", "Commented", "Liked Post",
        "Followed User", "Opened Email", "Clicked Email Link", "Played Video", "Paused Video",
        "Completed Video", "Opened App", "Closed App", "Enabled Notifications", "Changed Settings",
        "Contacted Support", "Rated App", "Viewed Dashboard", "Exported Data", "Filtered List",
        "Sorted Table", "Error Shown",
    ]
    static let browsers = ["Chrome", "Safari", "Firefox", "Edge", "Samsung Internet", "Opera"]
    static let oses = ["Windows", "Mac OS X", "iOS", "Android", "Linux", "Chrome OS"]
    static let countries = ["US", "GB", "DE", "FR", "IN", "BR", "CA", "JP", "AU", "NL", "ES", "IT", "SE", "PL", "MX"]
    static let sources = ["google", "newsletter", "twitter", "facebook", "linkedin", "direct", "partner"]
    static let campaigns = (0..<60).map { "campaign-\($0)" }
    static let plans = ["free", "starter", "pro", "business", "enterprise"]
    static let paths = (0..<500).map { "/docs/page-\($0)" }

    /// A generator; the same seed always yields the same events.
    public init(seed: UInt64, options: Options = Options()) {
        rng = SeededRandom(seed: seed)
        self.options = options
        seedTag = String(seed, radix: 36)
    }

    /// The next event as an `Event` (time in ms, a unique `$insert_id`).
    public mutating func nextEvent() -> Event {
        counter += 1
        let name = Self.eventNames[rng.skewed(Self.eventNames.count)]
        let user = rng.skewed(options.users)
        let spanMs = Int64(options.days) * 86_400_000
        let time: Int64
        if let total = options.timeOrderedOver, total > 0 {
            time = options.startMs + min(spanMs - 1, spanMs * Int64(counter - 1) / Int64(total) + Int64(rng.next() % 1000))
        } else {
            time = options.startMs + Int64(rng.next() % UInt64(spanMs))
        }
        var props: [JSONMember] = [
            JSONMember("$browser", .string(Self.browsers[rng.skewed(Self.browsers.count)])),
            JSONMember("$os", .string(Self.oses[rng.skewed(Self.oses.count)])),
            JSONMember("mp_country_code", .string(Self.countries[rng.skewed(Self.countries.count)])),
            JSONMember("$current_url", .string("https://app.example.com" + Self.paths[rng.skewed(Self.paths.count)])),
            JSONMember("mp_lib", .string("web")),
            JSONMember("plan", .string(Self.plans[rng.skewed(Self.plans.count)])),
            JSONMember("session_id", .string("s-" + String(rng.next() % 10_000_000, radix: 36))),
        ]
        let extra = Int(rng.next() % 6)
        if extra > 0 { props.append(JSONMember("utm_source", .string(Self.sources[rng.skewed(Self.sources.count)]))) }
        if extra > 1 { props.append(JSONMember("utm_campaign", .string(Self.campaigns[rng.skewed(Self.campaigns.count)]))) }
        if extra > 2 { props.append(JSONMember("price", .number(Double(rng.next() % 50_000) / 100))) }
        if extra > 3 { props.append(JSONMember("is_returning", .bool(rng.next() % 2 == 0))) }
        if extra > 4 { props.append(JSONMember("tags", .array([.string("beta"), .string("t\(rng.next() % 20)")]))) }
        return Event(name: name, distinctId: "user-\(user)", timeMs: time,
                     insertId: "\(seedTag)-\(counter)", properties: props)
    }

    /// The next event as the JSON object an SDK would send (`time` in ms, `token` optional).
    public mutating func nextRecord(token: String? = nil) -> JSONValue {
        let e = nextEvent()
        var props: [JSONMember] = []
        if let token { props.append(JSONMember("token", .string(token))) }
        props.append(JSONMember("distinct_id", .string(e.distinctId)))
        props.append(JSONMember("time", .number(Double(e.timeMs))))
        props.append(JSONMember("$insert_id", .string(e.insertId)))
        props.append(contentsOf: e.properties)
        return .object([JSONMember("event", .string(e.name)), JSONMember("properties", .object(props))])
    }

    /// A JSON array of `count` records, as one `/import` request body.
    public mutating func batchBody(count: Int, token: String? = nil) -> [UInt8] {
        JSONWriter.bytes(.array((0..<count).map { _ in nextRecord(token: token) }))
    }
}
