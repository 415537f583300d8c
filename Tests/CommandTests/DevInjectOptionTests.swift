import ArgumentParser
import DevServices
import Testing
@testable import consdb

/// The options of the fault-drill commands: `dev inject --kind` and `dev registry --state-file`.
@Suite("dev inject and dev registry options")
struct DevInjectOptionTests {
    @Test func allNamesEveryKindInOrder() throws {
        #expect(try DevInjectCommand.kinds("all") == MalformedKind.allCases)
    }

    @Test func aListOfKindsIsReadWithBlanksAroundNames() throws {
        #expect(try DevInjectCommand.kinds("header-not-yaml, telemetry-not-framed") == [.headerNotYAML, .telemetryNotFramed])
        #expect(try DevInjectCommand.kinds("telemetry-without-efd-stamp") == [.telemetryWithoutEFDStamp])
    }

    @Test(arguments: ["bogus", "header-not-yaml,bogus", "ALL", "header"])
    func anUnknownKindIsASettingErrorListingTheKinds(text: String) {
        do {
            _ = try DevInjectCommand.kinds(text)
            Issue.record("\(text) was accepted")
        } catch let error as SettingError {
            #expect(error.setting == "--kind")
            #expect(error.problem.contains("header-missing-contrllr") && error.problem.contains("all"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func theCommandsParse() throws {
        let inject = try #require(try ConsDB.parseAsRoot(["dev", "inject", "--kind", "all", "--dir", "/tmp/x", "--efd-config", "e.yaml"]) as? DevInjectCommand)
        #expect(inject.kind == "all" && inject.dir == "/tmp/x" && inject.efdConfig == "e.yaml" && inject.instrument == "LSSTCam")
        #expect(throws: (any Error).self) { try ConsDB.parseAsRoot(["dev", "inject"]) }  // --kind is required
        let registry = try #require(try ConsDB.parseAsRoot(["dev", "registry", "--state-file", "/tmp/registry.json"]) as? DevRegistryCommand)
        #expect(registry.stateFile == "/tmp/registry.json")
        #expect(try #require(try ConsDB.parseAsRoot(["dev", "registry"]) as? DevRegistryCommand).stateFile == nil)
    }
}
