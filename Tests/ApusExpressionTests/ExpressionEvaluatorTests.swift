// Evaluation of each construct on the sample row (ExpressionTestSupport), and what a `where`
// keeps.

@testable import ApusExpression
import ApusModel
import Testing

struct ExpressionEvaluatorTests {
    /// Each construct evaluates to the value Mixpanel's rules give on the sample row.
    @Test(arguments: [
        ("properties[\"s\"]", ExpressionValue.string("Hello World")),
        ("properties[\"missing\"]", .undefined),
        ("properties[\"nil\"]", .null),
        ("properties[\"obj\"]", .string("{\"k\":\"v\"}")),
        ("properties[\"Caf\u{E9}\"]", .string("precomposed")),
        ("properties[\"Cafe\u{301}\"]", .undefined),
        ("user[\"plan\"]", .string("pro")),
        ("user[\"missing\"]", .undefined),
        ("event[\"$time\"]", .datetime(Sample.timeMs)),
        ("event[\"$event_name\"]", .string("Signup")),
        ("event[\"$distinct_id\"]", .string("u-1")),
        ("defined(properties[\"s\"])", .boolean(true)),
        ("defined(properties[\"nil\"])", .boolean(true)),
        ("defined(properties[\"missing\"])", .boolean(false)),
        ("not defined(properties[\"missing\"])", .boolean(true)),
        ("properties[\"n\"] == 42", .boolean(true)),
        ("properties[\"n\"] == \"42\"", .boolean(false)),
        ("properties[\"n\"] != 42", .boolean(false)),
        ("properties[\"missing\"] != 42", .boolean(true)),
        ("\"World\" in properties[\"s\"]", .boolean(true)),
        ("\"world\" in properties[\"s\"]", .boolean(false)),
        ("not \"xyz\" in properties[\"s\"]", .boolean(true)),
        ("not \"xyz\" in properties[\"missing\"]", .boolean(true)),
        ("properties[\"n\"] in [1, 42, 3]", .boolean(true)),
        ("properties[\"n\"] in [\"42\"]", .boolean(false)),
        ("\"a\" in properties[\"tags\"]", .boolean(true)),
        ("1 in properties[\"tags\"]", .boolean(true)),
        ("\"c\" in properties[\"tags\"]", .boolean(false)),
        ("properties[\"n\"] + 1", .number(43)),
        ("properties[\"s\"] + \"!\"", .string("Hello World!")),
        ("properties[\"n\"] - 2", .number(40)),
        ("properties[\"n\"] * 2", .number(84)),
        ("properties[\"n\"] / 4", .number(10.5)),
        ("properties[\"n\"] / properties[\"zero\"]", .undefined),
        ("properties[\"n\"] % 5", .number(2)),
        ("properties[\"neg\"] % 3", .number(-1)),
        ("7 % -3", .number(1)),
        ("-properties[\"n\"]", .number(-42)),
        ("-properties[\"s\"]", .undefined),
        ("floor(properties[\"f\"])", .number(2)),
        ("ceil(properties[\"f\"])", .number(3)),
        ("round(properties[\"f\"])", .number(3)),
        ("round(-2.5)", .number(-3)),
        ("floor(properties[\"s\"])", .undefined),
        ("string(properties[\"n\"])", .string("42")),
        ("string(properties[\"f\"])", .string("2.5")),
        ("string(properties[\"t\"])", .string("true")),
        ("string(event[\"$time\"])", .string("2025-01-01T00:00:00")),
        ("string(properties[\"tags\"])", .string("[\"a\",\"b\",1,true]")),
        ("string(properties[\"missing\"], \"none\")", .string("none")),
        ("string(properties[\"nil\"], \"none\")", .null),
        ("string(properties[\"s\"], \"none\")", .string("Hello World")),
        ("number(properties[\"numtext\"])", .number(12.5)),
        ("number(properties[\"s\"])", .undefined),
        ("number(properties[\"t\"])", .number(1)),
        ("number(event[\"$time\"])", .number(1_735_689_600)),
        ("boolean(properties[\"falsetext\"])", .boolean(false)),
        ("boolean(properties[\"s\"])", .boolean(true)),
        ("boolean(properties[\"zero\"])", .boolean(false)),
        ("boolean(properties[\"missing\"])", .boolean(false)),
        ("list(properties[\"listtext\"])", .list([.number(1), .string("x")])),
        ("list(properties[\"s\"])", .undefined),
        ("lower(properties[\"s\"])", .string("hello world")),
        ("upper(properties[\"s\"])", .string("HELLO WORLD")),
        ("upper(properties[\"n\"])", .undefined),
        ("datetime(\"2025-01-01T00:00:00\") == event[\"$time\"]", .boolean(true)),
        ("event[\"$time\"] >= datetime(\"2024-12-31\")", .boolean(true)),
        ("event[\"$time\"] < datetime(1735689601)", .boolean(true)),
        ("datetime(properties[\"date\"]) > event[\"$time\"]", .boolean(true)),
        ("properties[\"date\"] > event[\"$time\"]", .boolean(true)),
        ("properties[\"s\"] > event[\"$time\"]", .undefined),
        ("datetime(properties[\"s\"])", .undefined),
        ("datetime(1735689600 + 86400) > event[\"$time\"]", .boolean(true)),
        ("any(X, properties[\"tags\"], X = \"b\")", .boolean(true)),
        ("any(X, properties[\"tags\"], X == 1)", .boolean(true)),
        ("any(X, properties[\"tags\"], X == \"z\")", .boolean(false)),
        ("any(X, properties[\"s\"], X == \"Hello World\")", .boolean(false)),
        ("any(X, properties[\"missing\"], true)", .boolean(false)),
        ("any(X, [1, 5, 9], X > 4 and X < 6)", .boolean(true)),
        ("properties[\"t\"] AND NOT properties[\"fl\"]", .boolean(true)),
        ("properties[\"fl\"] Or properties[\"missing\"]", .boolean(false)),
        ("properties[\"t\"] and properties[\"s\"]", .undefined),
        ("not properties[\"s\"]", .undefined),
        ("true", .boolean(true)),
        ("null", .null),
        ("[1, \"a\", true, null]", .list([.number(1), .string("a"), .boolean(true), .null])),
        ("'it''s'", nil),
        ("\"a\\\"b\\\\c\"", .string("a\"b\\c")),
        ("\"\\ud83d\\ude00\" == \"\u{1F600}\"", .boolean(true)),
        ("1.5e3", .number(1500)),
    ] as [(String, ExpressionValue?)])
    func evaluatesEachConstructOnTheSampleRow(text: String, expected: ExpressionValue?) {
        #expect(evaluate(text) == expected)
    }

    /// A `where` keeps a row only when the value is boolean true (not merely truthy).
    @Test(arguments: [
        ("properties[\"n\"] == 42", true),
        ("properties[\"t\"]", true),
        ("properties[\"s\"]", false),
        ("properties[\"n\"]", false),
        ("properties[\"missing\"]", false),
        ("properties[\"n\"] > \"a\"", false),
        ("not properties[\"n\"] > \"a\"", true),
    ])
    func whereKeepsRowsWhoseValueIsTrue(text: String, kept: Bool) throws {
        let expression = try ExpressionParser.parse(text)
        #expect(ExpressionEvaluator.matches(expression, row: Sample.row) == kept)
    }

    /// A stored `Event` is a row too; its lifted fields read as export shows them.
    @Test func evaluatesStoredEvents() throws {
        let event = Event(name: "Login", distinctId: "u-7", timeMs: 1_735_689_600_250, insertId: "i-1",
                          properties: [JSONMember("$browser", .string("Chrome"))])
        let row = EventExpressionRow(event, userProperties: [JSONMember("plan", .string("pro"))])
        func value(_ text: String) throws -> ExpressionValue {
            ExpressionEvaluator.evaluate(try ExpressionParser.parse(text), row: row)
        }
        #expect(try value("properties[\"$browser\"]") == .string("Chrome"))
        #expect(try value("properties[\"time\"]") == .number(1_735_689_600.25))
        #expect(try value("properties[\"distinct_id\"]") == .string("u-7"))
        #expect(try value("properties[\"$insert_id\"]") == .string("i-1"))
        #expect(try value("event[\"$time\"]") == .datetime(1_735_689_600_250))
        #expect(try value("event[\"$event_name\"] == \"Login\"") == .boolean(true))
        #expect(try value("user[\"plan\"]") == .string("pro"))
        #expect(EventExpressionRow(event).userProperty("plan") == .undefined)
    }

    /// Values from stored JSON: arrays become lists, objects their JSON text.
    @Test(arguments: [
        (JSONValue.null, ExpressionValue.null),
        (.bool(false), .boolean(false)),
        (.number(1.5), .number(1.5)),
        (.number(.infinity), .undefined),
        (.string("x"), .string("x")),
        (.array([.number(1), .array([.null])]), .list([.number(1), .list([.null])])),
        (.object([JSONMember("a", .number(1))]), .string("{\"a\":1}")),
    ])
    func convertsStoredJSON(json: JSONValue, value: ExpressionValue) {
        #expect(ExpressionValue(json: json) == value)
    }
}
