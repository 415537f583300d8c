@testable import API
import JSON
import Testing

@Suite("JSON type names as the API's dtypes")
struct JSONTypeNameTests {
    @Test("numbers keep their text: 3 and 3.0 are different ints and floats")
    func numberText() throws {
        #expect(try JSONValue.parse("3").typeName == "int")
        #expect(try JSONValue.parse("3.0").typeName == "float")
        #expect(try JSONValue.parse("3e0").typeName == "float")
    }

    @Test("the type names match the API's dtypes")
    func accessors() throws {
        let value = try JSONValue.parse(#"{"i":1,"f":1.5,"s":"x","b":true,"n":null,"a":[],"o":{}}"#)
        #expect(value["i"]?.typeName == "int")
        #expect(value["f"]?.typeName == "float")
        #expect(value["s"]?.typeName == "str")
        #expect(value["b"]?.typeName == "bool")
        #expect(value["n"]?.typeName == "null")
        #expect(value["a"]?.typeName == "array")
        #expect(value["o"]?.typeName == "object")
    }
}
