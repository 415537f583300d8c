import EFD
import Felis
import FelisCatalog
import Foundation
import Postgres
import Testing
import TestSupport

@Suite("consdb schema apply --efd-config", .needsConsDBReference)
struct EFDSchemaApplyTests {
    @Test func appliesConformsAndAddsNewColumns() async throws {
        try await TestDatabase.withFreshDatabase { url in
            let connection = try await Connection.connect(url)
            let config = try EFDConfig.load(contentsOf: TestFiles.reference("efd-config/config_lsstcam.yaml"))
            let schema = EFDSchema.felis(for: config, instrument: "LSSTCam")
            let plan = try await SchemaApplier.apply(schema, on: connection)
            #expect(!plan.isEmpty)
            #expect(try await SchemaApplier.apply(schema, on: connection).isEmpty)
            let catalog = try #require(try await Catalog.load(schema: "efd_lsstcam", on: connection))
            #expect(catalog.tables["exposure_efd"]?.columns.count == 477)
            #expect(catalog.tables["visit1_efd"]?.columns.count == 469)
            #expect(catalog.tables["exposure_efd_unpivoted"]?.primaryKey == ["day_obs", "seq_num", "exposure_id", "property", "field"])
            #expect(SchemaConformance.differences(schema, catalog: catalog).isEmpty)

            // A row survives adding a column to the config and re-applying.
            try await connection.query("INSERT INTO efd_lsstcam.exposure_efd (day_obs, seq_num, exposure_id) VALUES (20261124, 1, 2026112400001)")
            var extended = config
            extended.columns.append(EFDColumn(name: "new_column_mean", tables: [.exposure, .visit], function: .mean, description: "A new column.",
                                              topics: [EFDTopicSelection(name: "lsst.sal.X.y", fields: ["f"])]))
            let upgrade = try await SchemaApplier.apply(EFDSchema.felis(for: extended, instrument: "lsstcam"), on: connection)
            #expect(upgrade.statements.count >= 2)
            let rows = try await connection.query("SELECT exposure_id, new_column_mean FROM efd_lsstcam.exposure_efd").rows
            #expect(rows == [["2026112400001", nil]])
            #expect(try await connection.query("SELECT new_column_mean FROM efd_lsstcam.visit1_efd").columns.count == 1)
        }
    }
}
