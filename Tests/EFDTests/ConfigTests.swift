import EFD
import Felis
import Foundation
import Testing
import TestSupport

@Suite("transformed-EFD config", .needsConsDBReference)
struct ConfigTests {
    static func reference(_ name: String) throws -> EFDConfig {
        try EFDConfig.load(contentsOf: TestFiles.reference("efd-config/\(name).yaml"))
    }

    @Test func referenceConfigsLoad() throws {
        let lsstcam = try Self.reference("config_lsstcam")
        #expect(lsstcam.version == "1.1.0")
        #expect(lsstcam.columns.count == 491)
        #expect(lsstcam.topicNames.count == 31)
        #expect(try Self.reference("config_latiss").columns.count == 267)
        #expect(try Self.reference("config_lsstcomcam").columns.count == 489)
        let jitter = try #require(lsstcam.columns.first { $0.name == "mt_azimuth_encoder_absolute_position_0_rms_jitter" })
        #expect(jitter.function == .rmsFromPolynomialFit(degree: 4, fitBasis: .index))
        #expect(jitter.tables == [.exposure])
        #expect(jitter.unit == "")
        #expect(jitter.topics == [EFDTopicSelection(name: "lsst.sal.MTMount.encoder", fields: ["azimuthEncoderAbsolutePosition0"])])
        let unpivoted = try #require(lsstcam.columns.first { $0.name == "mt_vibration_data_mean" })
        #expect(unpivoted.storeUnpivoted && unpivoted.tables == [.exposureUnpivoted, .visitUnpivoted])
        #expect(lsstcam.columns.filter { $0.startOffsetHours != nil }.count == 33)
        #expect(lsstcam.columns.filter { $0.preAggregateInterval != nil }.count == 19)
        #expect(lsstcam.columns.contains { $0.subsetValues == [103, 113] })
    }

    /// The schema generated from the reference lsstcam config is the reference efd_lsstcam Felis file,
    /// table for table and column for column.
    @Test func lsstcamSchemaMatchesTheReferenceFelisFile() throws {
        let generated = EFDSchema.felis(for: try Self.reference("config_lsstcam"), instrument: "lsstcam")
        let expected = try FelisSchema.load(contentsOf: ReferenceData.felis("efd_lsstcam.yaml"))
        #expect(generated.name == expected.name)
        #expect(generated.description == expected.description)
        #expect(generated.version == expected.version)
        #expect(generated.tables.map(\.name) == expected.tables.map(\.name))
        for (table, reference) in zip(generated.tables, expected.tables) {
            #expect(table.description == reference.description, "\(table.name)")
            #expect(table.primaryKey == reference.primaryKey, "\(table.name)")
            #expect(table.constraints == reference.constraints, "\(table.name)")
            #expect(table.indexes == reference.indexes, "\(table.name)")
            #expect(table.columns.map(\.name) == reference.columns.map(\.name), "\(table.name)")
            for (column, referenceColumn) in zip(table.columns, reference.columns) where column != referenceColumn {
                Issue.record("\(table.name).\(column.name): generated \(column) but the reference has \(referenceColumn)")
            }
        }
    }

    @Test func otherReferenceConfigsMatchTheirFelisFiles() throws {
        for instrument in ["latiss", "lsstcomcam"] {
            let generated = EFDSchema.felis(for: try Self.reference("config_\(instrument)"), instrument: instrument)
            let expected = try FelisSchema.load(contentsOf: ReferenceData.felis("efd_\(instrument).yaml"))
            #expect(generated.tables.map(\.name) == expected.tables.map(\.name))
            for (table, reference) in zip(generated.tables, expected.tables) {
                #expect(table.columns.map(\.name) == reference.columns.map(\.name), "\(instrument) \(table.name)")
            }
        }
    }

    static func problems(_ yaml: String) -> [String] {
        do {
            _ = try EFDConfig.parse(yaml)
            return []
        } catch {
            return error.problems
        }
    }

    static let good = """
        - name: a_mean
          tables: [exposure_efd, visit1_efd]
          function: mean
          datatype: float
          topics:
          - name: lsst.sal.X.y
            fields: [{name: f}]
        """

    @Test func everyProblemIsReportedWithItsColumn() throws {
        let yaml = """
            version: 1.0
            columns:
            \(Self.good)
            - name: a_mean
              tables: [exposure_efd]
              function: mean
              topics: [{name: t, fields: [{name: f}]}]
            - name: b
              tables: [exposure_efd_unpivoted]
              function: median
              topics: [{name: t, fields: [{name: f}]}]
            - name: c
              tables: [exposure_efd, nowhere]
              function: stddev
              function_args: {ddof: -1, extra: 2}
              topics: []
            - name: d
              tables: [visit1_efd_unpivoted]
              store_unpivoted: true
              function: rms_from_polynomial_fit
              function_args: {degree: 40, fit_basis: frequency}
              subset_field: salIndex
              topics: [{name: t, fields: [{name: f}, {name: f}]}]
            - name: e
              tables: [exposure_efd]
              function: most_recent_value
              pre_aggregate_interval: 1s
              start_offset: 2
              subset_value: [1, x]
              colour: blue
              topics: [{name: t, fields: [{name: f}]}]
            - name: created_at
              tables: [exposure_efd]
              function: max
              datatype: int
              topics: [{name: "^lsst.*", fields: [{name: f}]}, {name: t, fields: [{name: private_efdStamp}]}]
            - name: Bad-Name
              tables: [exposure_efd]
              function: max
              pre_aggregate_interval: soon
              topics: [{name: t, fields: [{name: f}]}]
            - name: only_subset
              tables: [exposure_efd]
              function: max
              subset_field: salIndex
              subset_value: 1
              topics: [{name: t, fields: [{name: salIndex}]}]
            """
        let problems = Self.problems(yaml)
        func has(_ column: String, _ fragment: String) -> Bool {
            problems.contains { $0.hasPrefix("column \(column)") && $0.contains(fragment) }
        }
        #expect(has("a_mean", "duplicate name"))
        #expect(has("b", "store_unpivoted"))
        #expect(has("b", "unknown function `median`"))
        #expect(has("c", "unknown table `nowhere`"))
        #expect(has("c", "extra"))
        #expect(has("c", "`topics` must be a non-empty list"))
        #expect(has("d", "degree from 0 to 10"))
        #expect(has("d", "subset_field needs a subset_value"))
        #expect(has("d", "listed twice"))
        #expect(has("e", "pre_aggregate_interval applies to mean, min and max only"))
        #expect(has("e", "start_offset"))
        #expect(has("e", "subset_value needs a subset_field"))
        #expect(has("e", "unknown key `colour`"))
        #expect(has("created_at", "key or bookkeeping column"))
        #expect(has("created_at", "is not float or double"))
        #expect(has("created_at", "must be letters, digits"))
        #expect(has("created_at", "private_efdStamp is the EFD time"))
        #expect(has("Bad-Name", "name must be"))
        #expect(has("only_subset", "no field to summarize besides its subset_field salIndex"))
        #expect(has("Bad-Name", "pre_aggregate_interval must be a duration"))
        #expect(problems.allSatisfy { $0.contains("(line ") }, "\(problems)")
    }

    @Test(arguments: [
        ("", "config"), ("[]", "must be a mapping"), ("version: 1\n", "`columns`"), ("columns: []\n", "`version` is missing"),
        ("version: 1\ncolumns: [5]\n", "must be a mapping"), ("version: 1\ncolumns:\n- {name: x}\n", "`tables`"),
        ("version: [\n", "not valid YAML"), (String(repeating: "[", count: 100_000), "nest"),
    ])
    func malformedConfigs(_ yaml: String, _ fragment: String) {
        let problems = Self.problems(yaml)
        #expect(!problems.isEmpty)
        #expect(problems.contains { $0.contains(fragment) }, "\(problems)")
        #expect(problems.allSatisfy { $0.count < 400 })
    }
}
