import Foundation

/// Where Rubin's reference data comes from, and whether the files only lsst-dm/consdb has are at hand.
///
/// `../shared/reference` (or `CONSDB_REFERENCE_DIR`) holds everything. Without it, the Felis schemas
/// (`cdb_*`, `efd_*`) come from PyPI's `lsst-sdm-schemas`, whose folder `scripts/test` finds and passes as
/// `CONSDB_SDM_SCHEMAS_DIR`; the transformed-EFD configs, the LATISS header and the ECSV fixtures exist only
/// in lsst-dm/consdb, so the tests that need them are skipped, saying so. With `CONSDB_REQUIRE_REFERENCE=1`
/// (CI) nothing is skipped: a missing file fails its tests.
public enum ReferenceData {
    /// The reason shown for a skipped test (each test target wraps it in a `needsConsDBReference` trait).
    public static let skipReason = "needs Rubin's reference data from lsst-dm/consdb (../shared/reference or CONSDB_REFERENCE_DIR; see the README's Quick start)"

    /// True when the files only lsst-dm/consdb has are present (or CI requires them).
    public static var hasConsDBFiles: Bool {
        if ProcessInfo.processInfo.environment["CONSDB_REQUIRE_REFERENCE"] == "1" { return true }
        let manager = FileManager.default
        return ["efd-config/config_lsstcam.yaml", "fixtures/exposure.ecsv", "headers/ATHeaderService_header_AT_O_20240801_000302.yaml"]
            .allSatisfy { manager.fileExists(atPath: TestFiles.reference($0).path) }
    }

    /// True when the Felis schemas are the reference snapshot (lsst/sdm_schemas @ bbb8cfdd), whose exact
    /// versions and column counts tests may pin; PyPI's lsst-sdm-schemas is a later release.
    public static var felisIsReferenceSnapshot: Bool {
        FileManager.default.fileExists(atPath: TestFiles.reference("felis/cdb_latiss.yaml").path)
    }

    /// A Felis schema file by name (e.g. `cdb_latiss.yaml`): the reference copy, else lsst-sdm-schemas' copy.
    public static func felis(_ name: String) -> URL {
        let reference = TestFiles.reference("felis/" + name)
        if FileManager.default.fileExists(atPath: reference.path) { return reference }
        if let dir = ProcessInfo.processInfo.environment["CONSDB_SDM_SCHEMAS_DIR"], !dir.isEmpty {
            return URL(fileURLWithPath: dir).appendingPathComponent(name)
        }
        return reference
    }
}
