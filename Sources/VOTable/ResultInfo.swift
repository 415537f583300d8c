/// An `INFO` element of a result's `RESOURCE` (for example the query text or the service's name).
public struct ResultInfo: Sendable, Hashable {
    public var name: String
    public var value: String
    /// Text inside the element, if any.
    public var content: String?

    public init(name: String, value: String, content: String? = nil) {
        self.name = name
        self.value = value
        self.content = content
    }
}
