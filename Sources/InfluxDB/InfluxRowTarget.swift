/// Where a telemetry read of ``InfluxClient`` puts the answer's rows: a table of named numeric fields,
/// filled one row at a time straight from the parser, with no intermediate arrays.
///
/// The client matches the answer's columns to ``fieldNames`` by name (a field that repeats a name gets
/// the same value); a field the answer has no column for, a null and a string are NaN; booleans are 1
/// and 0. The EFD batch makes its topic buffers targets, so this module needs to know nothing of them.
public protocol InfluxRowTarget {
    /// The target's fields, in the order of the values ``append(time:values:)`` receives.
    var fieldNames: [String] { get }

    /// An empty target. A read moves the caller's target into the streaming parser and back, leaving an
    /// empty one in its place meanwhile, so the caller's storage is never copied.
    init()

    /// Appends one row: the sample's InfluxDB time as ``InfluxTime/seconds(nanoseconds:)``, and one value
    /// per field of ``fieldNames``, in that order.
    mutating func append(time: Double, values: UnsafeBufferPointer<Double>) throws
}
