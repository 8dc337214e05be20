// `/engage`'s column-at-a-time `where` answers exactly what the reference evaluator answers,
// profile by profile, over values of every type, missing keys and deleted profiles.

import ApusExpression
import ApusModel
@testable import ApusQuery
import ApusStoreCore
import ApusTesting
import Testing

struct ProfileFilterTests {
    static func table(seed: UInt64) -> ProfileTable {
        var g = SeededRandom(seed: seed)
        var tables = ProfileTables()
        let values = [#""pro""#, #""free""#, "3", "12.5", "-1", "true", "false", "null", #"["pro","x"]"#, #"{"a":1}"#, #""2025-01-02T00:00:00""#]
        for i in 0..<400 {
            let key = ["plan", "seats", "flag"][Int(g.next() % 3)]
            let op = g.next() % 10 == 0 ? #""$unset":["\#(key)"]"# : #""$set":{"\#(key)":\#(values[Int(g.next() % UInt64(values.count))])}"#
            tables.apply(Array(#"{"$distinct_id":"u\#(i % 120)",\#(op)}"#.utf8), kind: .user, receivedMs: 0)
            if g.next() % 40 == 0 { tables.apply(Array(#"{"$distinct_id":"u\#(i % 120)","$delete":""}"#.utf8), kind: .user, receivedMs: 0) }
        }
        return tables.users
    }

    @Test(arguments: [
        #"properties["plan"] == "pro""#, #"properties["plan"] != "pro""#, #"user["seats"] > 2"#, #"properties["seats"] <= 3"#,
        #"2 < properties["seats"]"#, #"defined(properties["flag"])"#, #"not defined(properties["plan"])"#,
        #"properties["plan"] == "pro" and properties["seats"] >= 3"#, #"properties["flag"] == true or properties["plan"] == "free""#,
        #"not (properties["seats"] > 2)"#, #"properties["plan"] in ["pro", "free"]"#, #""pro" in properties["plan"]"#,
        #"properties["plan"] == null"#, #"properties["plan"] > "a""#, #"properties["plan"] == datetime("2025-01-02")"#,
        #"string(properties["seats"]) == "3""#, #"properties["missing"] == "x" or true"#,
    ])
    func columnsAgreeWithTheEvaluator(text: String) throws {
        let e = try ExpressionParser.parse(text)
        for seed in [1, 2, 3] as [UInt64] {
            let table = Self.table(seed: seed)
            let live = table.ids.indices.filter { table.live[$0] }.map(Int32.init)
            let want = live.filter { ExpressionEvaluator.matches(e, row: ProfileExpressionRow(table: table, row: Int($0))) }
            #expect(ProfileFilter.rows(e, table, live) == want, "\(text) seed \(seed)")
        }
    }
}
