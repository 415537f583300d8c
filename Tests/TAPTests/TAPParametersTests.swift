import Testing
@testable import TAP

@Suite struct TAPParametersTests {
    @Test func namesAreCaseInsensitiveAndTheFirstValueWins() throws {
        let parameters = TAPParameters(try TAPParameters.parseForm("lang=ADQL&Query=SELECT+1&LANG=other&maxrec=5"))
        #expect(parameters["LANG"] == "ADQL")
        #expect(parameters["query"] == "SELECT 1")
        #expect(parameters["MaxRec"] == "5")
        #expect(parameters.all("lang") == ["ADQL", "other"])
        #expect(parameters["FORMAT"] == nil)
    }

    @Test func percentEncodingDecodesToUTF8AndKeepsValuesCase() throws {
        let pairs = try TAPParameters.parseForm("QUERY=SELECT%20%22Dec%22%2C%20%27%C3%A9%27%20FROM%20t&EMPTY=&FLAG")
        #expect(pairs.map(\.0) == ["QUERY", "EMPTY", "FLAG"])
        #expect(pairs[0].1 == "SELECT \"Dec\", 'é' FROM t")
        #expect(pairs[1].1 == "" && pairs[2].1 == "")
    }

    @Test(arguments: ["QUERY=%", "QUERY=%4", "QUERY=%zz", "QUERY=%C3%28", "QUERY=%FF"])
    func malformedEncodingIsAClearError(_ text: String) {
        #expect(throws: TAPRequestError.self) { try TAPParameters.parseForm(Substring(text)) }
    }

    @Test func emptyAndSeparatorOnlyTextHasNoParameters() throws {
        #expect(try TAPParameters.parseForm("").isEmpty)
        #expect(try TAPParameters.parseForm("&&&").isEmpty)
    }
}
