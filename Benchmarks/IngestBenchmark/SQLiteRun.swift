// The peer: the same batches inserted into SQLite in WAL mode with synchronous=FULL (durable
// like Apus), one transaction per 2000-event batch. SQLite parses the JSON itself (json_each),
// so both sides do the same work: parse, split out the four key fields, keep the rest.

import Foundation
import GRDB

enum SQLiteRun {
    static func measure(bodies: [[UInt8]]) throws -> Double {
        let dir = NSTemporaryDirectory() + "apus-bench-sqlite-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var config = Configuration()
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA journal_mode = WAL")
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        let db = try DatabaseQueue(path: dir + "/events.sqlite", configuration: config)
        try db.write { db in
            try db.execute(sql: """
                CREATE TABLE events (time INTEGER NOT NULL, name TEXT NOT NULL, distinct_id TEXT NOT NULL,
                                     insert_id TEXT NOT NULL, properties TEXT NOT NULL)
                """)
        }
        let texts = bodies.map { String(decoding: $0, as: UTF8.self) }
        let start = Date()
        for text in texts {
            try db.write { db in
                try db.execute(sql: """
                    INSERT INTO events (time, name, distinct_id, insert_id, properties)
                    SELECT json_extract(value, '$.properties.time'), json_extract(value, '$.event'),
                           json_extract(value, '$.properties.distinct_id'), json_extract(value, '$.properties."$insert_id"'),
                           json_remove(json_extract(value, '$.properties'), '$.time', '$.distinct_id', '$."$insert_id"')
                    FROM json_each(?)
                    """, arguments: [text])
            }
        }
        return Date().timeIntervalSince(start)
    }
}
