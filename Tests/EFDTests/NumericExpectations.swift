// Tolerant comparison of summary results with numpy literals.

import Testing

/// Checks `actual` against an expected literal to a relative tolerance (absolute near 0).
func expectClose(
    _ actual: Double?,
    _ expected: Double,
    relative tolerance: Double = 1e-9,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    guard let actual else {
        Issue.record("expected \(expected), got nil", sourceLocation: sourceLocation)
        return
    }
    let scale = Swift.max(Swift.abs(expected), 1e-300)
    let error = Swift.abs(actual - expected) / scale
    #expect(
        error <= tolerance, "got \(actual), expected \(expected) (relative error \(error))",
        sourceLocation: sourceLocation)
}
