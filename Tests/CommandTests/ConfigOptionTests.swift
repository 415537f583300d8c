import ArgumentParser
import Foundation
import Testing
@testable import consdb

/// `--config` is the settings file in every command; the EFD column config is `--efd-config`, and the old
/// spellings of `efd stream`, `efd batch` and `dev telemetry` still work, with a warning.
@Suite("--config and --efd-config")
struct ConfigOptionTests {
    let directory: URL
    let settingsFile: String
    let efdFile: String

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("consdb-options-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        settingsFile = directory.appendingPathComponent("settings.yaml").path
        efdFile = directory.appendingPathComponent("efd.yaml").path
        try "CONSDB_PORT: 9100\nEFD_LATENESS_SECONDS: 3\n".write(toFile: settingsFile, atomically: true, encoding: .utf8)
        try """
            version: 1.0.0
            columns:
            - name: t_mean
              tables: ["exposure_efd"]
              function: mean
              datatype: float
              topics:
              - name: lsst.sal.ESS.temperature
                fields:
                - name: temperatureItem0
            """.write(toFile: efdFile, atomically: true, encoding: .utf8)
    }

    func cleanUp() { try? FileManager.default.removeItem(at: directory) }

    func stream(_ arguments: [String]) throws -> EFDStreamCommand {
        try #require(try ConsDB.parseAsRoot(["efd", "stream", "--instrument", "demo"] + arguments) as? EFDStreamCommand)
    }

    @Test func theNewSpellingNeedsNoWarning() throws {
        defer { cleanUp() }
        let command = try stream(["--efd-config", efdFile, "--config", settingsFile])
        let choice = try EFDConfigChoice(efdConfig: command.target.efdConfig, common: command.options)
        #expect(choice.efdConfig == efdFile)
        #expect(choice.common.config == settingsFile)
        #expect(choice.deprecations.isEmpty && choice.common.deprecations.isEmpty)
        #expect(try choice.common.settings().string("CONSDB_PORT") == "9100")
    }

    @Test func theOldSpellingStillWorksWithAWarning() throws {
        defer { cleanUp() }
        let command = try stream(["--config", efdFile, "--settings", settingsFile])
        let choice = try EFDConfigChoice(efdConfig: command.target.efdConfig, common: command.options)
        #expect(choice.efdConfig == efdFile)
        #expect(choice.common.config == nil)
        #expect(try choice.common.settings().string("EFD_LATENESS_SECONDS") == "3")
        #expect(choice.deprecations.count == 1 && choice.deprecations[0].contains("--efd-config"))
        #expect(choice.common.deprecations.count == 1 && choice.common.deprecations[0].contains("--config"))
    }

    @Test func aSettingsFileGivenAsConfigIsNotMistakenForTheEFDConfig() throws {
        defer { cleanUp() }
        let command = try stream(["--config", settingsFile])
        let error = #expect(throws: SettingError.self) { try EFDConfigChoice(efdConfig: command.target.efdConfig, common: command.options) }
        #expect(error?.setting == "--efd-config")
        let neither = #expect(throws: SettingError.self) { try EFDConfigChoice(efdConfig: nil, common: try stream([]).options) }
        #expect(neither?.setting == "--efd-config")
    }

    @Test func settingsAndConfigTogetherAreAContradiction() throws {
        defer { cleanUp() }
        let command = try stream(["--efd-config", efdFile, "--config", settingsFile, "--settings", settingsFile])
        let choice = try EFDConfigChoice(efdConfig: command.target.efdConfig, common: command.options)
        let error = #expect(throws: SettingError.self) { try choice.common.settings() }
        #expect(error?.setting == "--settings")
    }

    @Test func devTelemetryTakesTheSameSpellings() throws {
        defer { cleanUp() }
        let new = try #require(try ConsDB.parseAsRoot(["dev", "telemetry", "--efd-config", efdFile]) as? DevTelemetryCommand)
        #expect(try EFDConfigChoice(efdConfig: new.efdConfig, common: new.options).deprecations.isEmpty)
        let old = try #require(try ConsDB.parseAsRoot(["dev", "telemetry", "--config", efdFile]) as? DevTelemetryCommand)
        let choice = try EFDConfigChoice(efdConfig: old.efdConfig, common: old.options)
        #expect(choice.efdConfig == efdFile && choice.deprecations.count == 1)
    }
}
