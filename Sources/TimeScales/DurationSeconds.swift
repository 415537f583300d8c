extension Duration {
    /// The duration in seconds, as a `Double` (settings and intervals are compared with unix times).
    public var seconds: Double {
        let parts = components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }
}
