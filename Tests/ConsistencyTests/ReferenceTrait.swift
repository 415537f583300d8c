import Testing
import TestSupport

extension SuiteTrait where Self == ConditionTrait {
    /// For tests that read files only lsst-dm/consdb has (EFD configs, the LATISS header, the ECSV
    /// fixtures): skipped, with the reason, when they are not here.
    static var needsConsDBReference: Self {
        .enabled(if: ReferenceData.hasConsDBFiles, Comment(rawValue: ReferenceData.skipReason))
    }
}
