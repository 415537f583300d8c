import Logging
import Synchronization

/// A log handler that keeps every record, to see what reached the logger.
public struct RecordingLogHandler: LogHandler {
    public struct Record: Sendable {
        public var level: Logger.Level
        public var message: String
        public var metadata: Logger.Metadata
    }

    public final class Store: Sendable {
        public let records = Mutex<[Record]>([])

        public init() {}

        /// The records so far with this `event` metadata value.
        public func events(_ event: String) -> [Record] {
            records.withLock { $0 }.filter { $0.metadata["event"] == .string(event) }
        }
    }

    public let store: Store
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .trace

    public init(store: Store) {
        self.store = store
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let record = Record(level: event.level, message: event.message.description, metadata: metadata.merging(event.metadata ?? [:]) { $1 })
        store.records.withLock { $0.append(record) }
    }
}
