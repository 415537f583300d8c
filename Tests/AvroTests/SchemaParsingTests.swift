@testable import Avro
import Testing

@Suite("Schema parsing: names, references, defaults and validation")
struct SchemaParsingTests {
    @Test("primitives as names and as objects; logical types parse as their underlying type")
    func primitives() throws {
        for name in ["null", "boolean", "int", "long", "float", "double", "bytes", "string"] {
            let expected = AvroType(primitiveName: name)
            #expect(try schema("\"\(name)\"").root == expected)
            #expect(try schema(#"{"type": "\#(name)"}"#).root == expected)
        }
        #expect(try schema(#"{"type":"long","logicalType":"timestamp-millis"}"#).root == .long)
        #expect(try schema(#"{"type":"int","logicalType":"date"}"#).root == .int)
        #expect(try schema(#"{"type":"string","logicalType":"uuid"}"#).root == .string)
        #expect(try schema(#"{"type":"bytes","logicalType":"decimal","precision":4,"scale":2}"#).root == .bytes)
        #expect(try schema(#" { "type" : "array" , "items" : { "type" : "map" , "values" : "float" } } "#).root
            == .array(items: .map(values: .float)))
    }

    @Test("named types get the enclosing namespace unless they have their own or a full name")
    func namespaces() throws {
        let parsed = try schema("""
        {"type":"record","name":"encoder","namespace":"lsst.sal.MTMount","fields":[
          {"name":"a","type":{"type":"enum","name":"Mode","symbols":["A"]}},
          {"name":"b","type":{"type":"fixed","name":"other.space.Hash","namespace":"ignored","size":4}},
          {"name":"c","type":{"type":"record","name":"Inner","namespace":"","fields":[
            {"name":"d","type":{"type":"enum","name":"Deep","symbols":["X"]}}]}},
          {"name":"e","type":{"type":"record","name":"Child","namespace":"kid","fields":[
            {"name":"f","type":{"type":"fixed","name":"Leaf","size":1}}]}},
          {"name":"g","type":"Mode"},
          {"name":"h","type":"lsst.sal.MTMount.Mode"},
          {"name":"i","type":"other.space.Hash"},
          {"name":"j","type":"Inner"},
          {"name":"k","type":{"type":"kid.Leaf"}}
        ]}
        """)
        #expect(Set(parsed.namedTypes.keys) == [
            "lsst.sal.MTMount.encoder", "lsst.sal.MTMount.Mode", "other.space.Hash", "Inner", "Deep", "kid.Child", "kid.Leaf",
        ])
        let record = try #require(parsed.rootRecord)
        #expect(record.name == AvroName(name: "encoder", namespace: "lsst.sal.MTMount"))
        #expect(record.fields.map(\.type.fullName) == [
            "lsst.sal.MTMount.Mode", "other.space.Hash", "Inner", "kid.Child", "lsst.sal.MTMount.Mode",
            "lsst.sal.MTMount.Mode", "other.space.Hash", "Inner", "kid.Leaf",
        ])
        #expect(record.fields[4].type == .reference("lsst.sal.MTMount.Mode"))
        // Hash lives in other.space, so its simple name is not visible from lsst.sal.MTMount.
        let hidden = avroError {
            try AvroSchema(parsing: """
            {"type":"record","name":"R","namespace":"a","fields":[
              {"name":"x","type":{"type":"fixed","name":"b.Hash","size":1}},{"name":"y","type":"Hash"}]}
            """)
        }
        #expect(hidden?.kind == .unknownType)
        #expect(hidden?.pathDescription == "record a.R / field y")
    }

    @Test("a simple name that is not in the enclosing namespace is looked up in the null namespace")
    func nullNamespaceFallback() throws {
        let parsed = try schema("""
        {"type":"record","name":"Outer","fields":[
          {"name":"a","type":{"type":"enum","name":"Top","symbols":["A"]}},
          {"name":"b","type":{"type":"record","name":"In","namespace":"ns","fields":[{"name":"c","type":"Top"}]}}]}
        """)
        guard case .record(let inner)? = parsed.namedTypes["ns.In"] else { Issue.record("ns.In missing"); return }
        #expect(inner.fields[0].type == .reference("Top"))
    }

    @Test("recursive types parse to references, without looping")
    func recursion() throws {
        let tree = try schema("""
        {"type":"record","name":"Tree","namespace":"t","fields":[
          {"name":"label","type":"string"},
          {"name":"children","type":{"type":"array","items":"Tree"}},
          {"name":"byName","type":{"type":"map","values":"t.Tree"}},
          {"name":"parent","type":["null","Tree"]}]}
        """)
        let record = try #require(tree.rootRecord)
        #expect(record.fields[1].type == .array(items: .reference("t.Tree")))
        #expect(record.fields[3].type == .union([.null, .reference("t.Tree")]))
        #expect(tree.resolve(.reference("t.Tree")) == tree.root)
        let leaf = AvroValue.record([("label", .string("leaf")), ("children", .array([])), ("byName", .map([])),
                                     ("parent", .union(branch: 0, value: .null))])
        let root = AvroValue.record([("label", .string("root")), ("children", .array([leaf, leaf])),
                                     ("byName", .map([("l", leaf)])), ("parent", .union(branch: 0, value: .null))])
        #expect(try roundTrip(root, tree).decoded == root)
        #expect(tree.minimumEncodedSize(tree.root) == 4)
    }

    @Test("field defaults become values of the field's type; mismatched defaults are dropped")
    func defaults() throws {
        let parsed = try schema("""
        {"type":"record","name":"D","fields":[
          {"name":"i","type":"int","default":-3},
          {"name":"l","type":"long","default":9007199254740993},
          {"name":"f","type":"float","default":"NaN"},
          {"name":"d","type":"double","default":1e3},
          {"name":"b","type":"bytes","default":"\\u00ff\\u0000"},
          {"name":"s","type":"string","default":"x"},
          {"name":"a","type":{"type":"array","items":"double"},"default":[0.0, 1]},
          {"name":"m","type":{"type":"map","values":"boolean"},"default":{"k":true}},
          {"name":"u","type":["null","double"],"default":null},
          {"name":"e","type":{"type":"enum","name":"E","symbols":["P","Q"]},"default":"Q"},
          {"name":"r","type":{"type":"record","name":"Sub","fields":[{"name":"x","type":"int","default":1}]},"default":{}},
          {"name":"bad","type":"int","default":"not a number"},
          {"name":"tooBig","type":"int","default":3000000000},
          {"name":"none","type":"int"}
        ]}
        """)
        let defaults = try #require(parsed.rootRecord).fields.map(\.defaultValue)
        #expect(defaults[0] == .int(-3))
        #expect(defaults[1] == .long(9_007_199_254_740_993))
        #expect(defaults[2] == .float(.nan))
        #expect(defaults[3] == .double(1000))
        #expect(defaults[4] == .bytes([255, 0]))
        #expect(defaults[5] == .string("x"))
        #expect(defaults[6] == .array([.double(0), .double(1)]))
        #expect(defaults[7] == .map([("k", .boolean(true))]))
        #expect(defaults[8] == .union(branch: 0, value: .null))
        #expect(defaults[9] == .enumSymbol(index: 1, symbol: "Q"))
        #expect(defaults[10] == .record([("x", .int(1))]))
        #expect(defaults[11] == nil)
        #expect(defaults[12] == nil)
        #expect(defaults[13] == nil)
    }

    @Test("invalid schemas are rejected with a kind and a path", arguments: [
        (#""decimal""#, AvroError.Kind.unknownType, ""),
        (#"{"type":"record","name":"R","fields":[{"name":"x","type":"Missing"}]}"#, .unknownType, "record R / field x"),
        (#"{"type":"record","name":"encoder","namespace":"lsst.sal.MTMount","fields":[{"name":"azimuth","type":"dobule"}]}"#,
         .unknownType, "record lsst.sal.MTMount.encoder / field azimuth"),
        (#"{"type":"record","name":"R","fields":[{"name":"x","type":"int"},{"name":"x","type":"long"}]}"#, .duplicateField, "record R"),
        (#"["int","int"]"#, .duplicateUnionBranch, "union branch 1"),
        (#"["null",{"type":"array","items":"int"},{"type":"array","items":"long"}]"#, .duplicateUnionBranch, "union branch 2"),
        (#"["string",{"type":"string","logicalType":"uuid"}]"#, .duplicateUnionBranch, "union branch 1"),
        (#"[{"type":"enum","name":"E","symbols":["A"]},"E"]"#, .duplicateUnionBranch, "union branch 1"),
        (#"["null",["int","string"]]"#, .nestedUnion, "union branch 1"),
        (#"{"type":"fixed","name":"F","size":-1}"#, .invalidSize, "fixed F"),
        (#"{"type":"fixed","name":"F","size":1.5}"#, .invalidSize, "fixed F"),
        (#"{"type":"fixed","name":"F","size":4294967296}"#, .invalidSize, "fixed F"),
        (#"{"type":"fixed","name":"F"}"#, .invalidSchema, "fixed F"),
        (#"{"type":"record","name":"1abc","fields":[]}"#, .invalidName, ""),
        (#"{"type":"record","name":"R","namespace":"a..b","fields":[]}"#, .invalidName, ""),
        (#"{"type":"record","name":"a.b.","fields":[]}"#, .invalidName, ""),
        (#"{"type":"record","name":"R","fields":[{"name":"a-b","type":"int"}]}"#, .invalidName, "record R / field a-b"),
        (#"{"type":"enum","name":"E","symbols":["ok","not ok"]}"#, .invalidName, "enum E"),
        (#"{"type":"enum","name":"E","symbols":["A","A"]}"#, .duplicateName, "enum E"),
        (#"{"type":"enum","name":"E","symbols":["A"],"default":"B"}"#, .invalidSchema, "enum E"),
        (#"{"type":"record","name":"int","fields":[]}"#, .invalidName, ""),
        (#"{"type":"record","name":"R","fields":[{"name":"a","type":{"type":"fixed","name":"R","size":1}}]}"#,
         .duplicateName, "record R / field a"),
        (#"{"type":"record","name":"R"}"#, .invalidSchema, "record R"),
        (#"{"type":"record","fields":[]}"#, .invalidSchema, ""),
        (#"{"type":"record","name":"R","fields":[{"type":"int"}]}"#, .invalidSchema, "record R"),
        (#"{"type":"record","name":"R","fields":[{"name":"x"}]}"#, .invalidSchema, "record R / field x"),
        (#"{"type":"array"}"#, .invalidSchema, ""),
        (#"{"type":"map","values":"nope"}"#, .unknownType, "map values"),
        (#"{"items":"int"}"#, .invalidSchema, ""),
        (#"{"type":{"type":"int"}}"#, .invalidSchema, ""),
        ("42", .invalidSchema, ""),
        (#"{"type":"int""#, .invalidJSON, ""),
        (#"{"type":"int","type":"long"}"#, .invalidJSON, ""),
        (#"{"type":"int"} extra"#, .invalidJSON, ""),
    ])
    func invalidSchemas(json: String, kind: AvroError.Kind, path: String) {
        let error = avroError { try AvroSchema(parsing: json) }
        #expect(error?.kind == kind, "\(json): \(String(describing: error))")
        #expect(error?.pathDescription == path, "\(json): \(String(describing: error))")
    }

    @Test("nesting is bounded: 64 levels of types parse, 65 do not; hostile JSON depth is an error")
    func nestingLimit() throws {
        func nestedArrays(_ depth: Int) -> String {
            String(repeating: #"{"type":"array","items":"#, count: depth) + #""int""# + String(repeating: "}", count: depth)
        }
        #expect(throws: Never.self) { try AvroSchema(parsing: nestedArrays(63)) }
        #expect(avroError { try AvroSchema(parsing: nestedArrays(64)) }?.kind == .tooDeep)
        #expect(avroError { try AvroSchema(parsing: nestedArrays(10_000)) }?.kind == .invalidJSON)
        #expect(avroError { try AvroSchema(parsing: String(repeating: "[", count: 100_000)) } != nil)
        var records = #""int""#
        for level in 0..<70 { records = #"{"type":"record","name":"R\#(level)","fields":[{"name":"f","type":\#(records)}]}"# }
        #expect(avroError { try AvroSchema(parsing: records) }?.kind == .tooDeep)
    }

    @Test("error descriptions name the kind, path and message")
    func errorDescription() {
        let error = avroError {
            try AvroSchema(parsing: #"{"type":"record","name":"encoder","namespace":"lsst.sal.MTMount","fields":[{"name":"azimuth","type":"dobule"}]}"#)
        }
        #expect(error?.description == #"AvroError(unknownType) in record lsst.sal.MTMount.encoder / field azimuth: unknown type "dobule""#)
    }
}
