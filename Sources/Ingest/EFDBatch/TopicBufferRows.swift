import EFD
import InfluxDB

/// The EFD batch reads InfluxDB history straight into the engine's topic buffers: the client's parser
/// appends each row of the answer to the buffer's columns as it scans it (see `InfluxHistory`).
/// `append(time:values:)` is the buffer's own.
extension TopicBuffer: InfluxRowTarget {
    /// A buffer without fields, which a read leaves in the caller's place while it fills the caller's.
    public init() {
        self.init(fields: [])
    }
}
