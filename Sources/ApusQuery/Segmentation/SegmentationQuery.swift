// What a segmentation-style report asks (`/segmentation`, `/events`), resolved and validated
// once, and what it answers. The Mixpanel JSON shapes are made at the HTTP edge.

import ApusExpression
import ApusModel

/// How events in a bucket are measured.
package enum CountType: String, Sendable, CaseIterable {
    /// Events.
    case general
    /// Distinct users.
    case unique
    /// Events per distinct user.
    case average
}

/// A time series per segment.
package struct SegmentationQuery: Sendable {
    /// The events counted.
    package var events: [String]
    package var from: CivilDate
    package var to: CivilDate
    package var unit: TimeUnit = .day
    /// Buckets of this many days instead of `unit`.
    package var intervalDays: Int?
    package var type: CountType = .general
    package var segmentBy: SegmentBy = .event
    /// With `segmentBy` a property: only these values are segments.
    package var values: [String]?
    /// With `segmentBy` a property: the segments with the most events over the range, at most
    /// this many.
    package var limit: Int?
    /// Only events that make this true are counted (`where`).
    package var filter: Expression?

    package init(events: [String], from: CivilDate, to: CivilDate, unit: TimeUnit = .day, intervalDays: Int? = nil,
                 type: CountType = .general, segmentBy: SegmentBy = .event, values: [String]? = nil, limit: Int? = nil,
                 filter: Expression? = nil) {
        self.filter = filter
        self.segmentBy = segmentBy
        self.values = values
        self.limit = limit
        self.events = events
        self.from = from
        self.to = to
        self.unit = unit
        self.intervalDays = intervalDays
        self.type = type
    }
}

/// Values per time bucket, per segment.
package struct TimeSeriesResult: Sendable, Equatable {
    /// One segment's values, one per bucket of `series`.
    package struct Segment: Sendable, Equatable {
        package var name: String
        package var values: [Double]

        package init(name: String, values: [Double]) {
            self.name = name
            self.values = values
        }
    }

    /// Bucket labels, in time order.
    package var series: [String]
    /// Segments that hold at least one event: in the order asked (events), or by their total
    /// over the range, most first (property values).
    package var segments: [Segment]

    package init(series: [String], segments: [Segment]) {
        self.series = series
        self.segments = segments
    }
}
