import CRdKafka
import Dispatch
import Foundation
import Logging

/// librdkafka's in-process mock Kafka cluster (`rdkafka_mock.h`): real Kafka protocol on loopback ports,
/// for tests and demos.
///
/// Measured on Debian's librdkafka 2.0.2: it keeps only about 4 MiB per partition (older messages are
/// dropped); joining a group takes about 3 s; it refuses offset commits while a rebalance is in progress
/// (Kafka accepts them); ListOffsets by time answers -1; delivery reports carry a log-append time of 1234;
/// stopping it takes about 1 s. Clients should use `fetch.wait.max.ms` of about 10 ms, and
/// `session.timeout.ms` of about 6 s where a member may die.
public final class KafkaMockCluster: Sendable {
    private let cluster: RDKafkaMockCluster
    private let queue = DispatchQueue(label: "consdb.kafka.mock")

    /// The brokers' `host:port` list, for `bootstrap.servers`.
    public let bootstrapServers: String
    public let brokerCount: Int

    private init(cluster: RDKafkaMockCluster, bootstrapServers: String, brokerCount: Int) {
        self.cluster = cluster
        self.bootstrapServers = bootstrapServers
        self.brokerCount = brokerCount
    }

    deinit {
        // Stopping blocks for about a second: never in the caller's (possibly cooperative) thread.
        let cluster = cluster
        if !cluster.isDestroyed {
            DispatchQueue.global().async { cluster.destroy() }
        }
    }

    /// Starts a cluster of `brokers` brokers listening on ephemeral 127.0.0.1 ports.
    public static func start(brokers: Int = 1, logger: Logger = Logger(label: "consdb.kafka.mock")) throws -> KafkaMockCluster {
        guard (1...64).contains(brokers) else {
            throw KafkaError(code: .invalidArgument, message: "a mock cluster has 1 to 64 brokers; got \(brokers)", operation: "start mock cluster")
        }
        let cluster = try RDKafkaMockCluster.make(brokers: brokers, logger: logger)
        let bootstrap = try cluster.withPointer("start mock cluster") { String(cString: rd_kafka_mock_cluster_bootstraps($0)) }
        return KafkaMockCluster(cluster: cluster, bootstrapServers: bootstrap, brokerCount: brokers)
    }

    /// Creates a topic (an in-process call to the mock's thread, run off the cooperative pool).
    public func createTopic(_ name: String, partitions: Int = 1, replicationFactor: Int = 1) async throws {
        guard partitions >= 1, replicationFactor >= 1 else {
            throw KafkaError(code: .invalidArgument, message: "partitions and replication factor must be positive", operation: "create topic", topic: name)
        }
        let cluster = cluster
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, Error>) in
            queue.async {
                continuation.resume(with: Result {
                    try cluster.withPointer("create topic") { pointer in
                        try KafkaError.check(
                            rd_kafka_mock_topic_create(pointer, name, Int32(partitions), Int32(replicationFactor)),
                            operation: "create topic", topic: name
                        )
                    }
                })
            }
        }
    }

    /// Makes the brokers answer metadata requests for `topic` with `error` (e.g. `.unknownTopicOrPartition`: the
    /// topic seems deleted), or normally again with nil. Fetches and produces are not affected.
    public func setTopicError(_ topic: String, _ error: KafkaError.Code?) async throws {
        let cluster = cluster
        let code = error.map { rd_kafka_resp_err_t(rawValue: $0.rawValue) } ?? RD_KAFKA_RESP_ERR_NO_ERROR
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, Error>) in
            queue.async {
                continuation.resume(with: Result {
                    try cluster.withPointer("set topic error") { pointer in rd_kafka_mock_topic_set_error(pointer, topic, code) }
                })
            }
        }
    }

    /// Stops the brokers (their clients see the connections drop); takes about a second. Calling it again
    /// does nothing. Close consumers and producers first to spare them reconnect attempts.
    public func close() async {
        let cluster = cluster
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            queue.async {
                cluster.destroy()
                continuation.resume()
            }
        }
    }
}

/// Owns a mock cluster and the handle it runs under, and destroys them in that order.
final class RDKafkaMockCluster: @unchecked Sendable {
    // @unchecked Sendable: `pointer` is only read or cleared with `lock` held; librdkafka's mock
    // functions are thread-safe (they post to the mock cluster's own thread).
    private let lock = NSLock()
    private var pointer: OpaquePointer?
    /// A producer that never connects: the mock runs on its threads and logs through it.
    private let client: RDKafkaClient

    private init(pointer: OpaquePointer, client: RDKafkaClient) {
        self.pointer = pointer
        self.client = client
    }

    deinit {
        destroy()  // then `client` goes, destroying the handle
    }

    static func make(brokers: Int, logger: Logger) throws -> RDKafkaMockCluster {
        // log_level 4 keeps the handle's "no bootstrap.servers" notice out of the logs.
        let client = try RDKafkaClient.make(
            RD_KAFKA_PRODUCER, properties: ["log_level": "4", "client.id": "consdb-mock-cluster"],
            context: RDKafkaCallbackContext(logger: logger)
        )
        guard let pointer = rd_kafka_mock_cluster_new(client.pointer, Int32(brokers)) else {
            throw KafkaError(code: .fatal, message: "rd_kafka_mock_cluster_new failed", operation: "start mock cluster")
        }
        return RDKafkaMockCluster(pointer: pointer, client: client)
    }

    func withPointer<T>(_ operation: String, _ body: (OpaquePointer) throws -> T) throws -> T {
        try lock.withLock {
            guard let pointer else { throw KafkaError.closed(operation) }
            return try body(pointer)
        }
    }

    var isDestroyed: Bool {
        lock.withLock { pointer == nil }
    }

    /// Blocks for about a second (the mock thread's poll interval).
    func destroy() {
        lock.withLock {
            if let pointer {
                rd_kafka_mock_cluster_destroy(pointer)
                self.pointer = nil
            }
        }
    }
}

extension KafkaMockCluster {
    /// A topic to create, as written on the command line: `name` or `name:partitions`.
    public struct TopicSpec: Sendable, Hashable {
        public var name: String
        public var partitions: Int

        public init(name: String, partitions: Int = 1) {
            self.name = name
            self.partitions = partitions
        }

        /// Parses a comma-separated list such as `a,b:3`. Topic names follow Kafka's rules (1 to 249 of
        /// `A-Z a-z 0-9 . _ -`, not `.` or `..`); partitions are 1 to 10000.
        public static func parseList(_ text: String) throws(KafkaConfigurationError) -> [TopicSpec] {
            let items = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            var specs: [TopicSpec] = []
            for item in items {
                let parts = item.split(separator: ":", omittingEmptySubsequences: false)
                guard parts.count <= 2 else {
                    throw KafkaConfigurationError(variable: "--topics", problem: "has '\(item)'; expected name or name:partitions")
                }
                let name = String(parts[0])
                let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
                guard (1...249).contains(name.count), name.allSatisfy(allowed.contains), name != ".", name != ".." else {
                    throw KafkaConfigurationError(variable: "--topics", problem: "has an invalid topic name '\(name)' (1 to 249 of A-Z a-z 0-9 . _ -)")
                }
                var partitions = 1
                if parts.count == 2 {
                    guard let count = Int(parts[1]), (1...10000).contains(count) else {
                        throw KafkaConfigurationError(variable: "--topics", problem: "has '\(item)'; partitions must be 1 to 10000")
                    }
                    partitions = count
                }
                guard !specs.contains(where: { $0.name == name }) else {
                    throw KafkaConfigurationError(variable: "--topics", problem: "names topic '\(name)' twice")
                }
                specs.append(TopicSpec(name: name, partitions: partitions))
            }
            return specs
        }
    }
}
