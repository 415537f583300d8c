import Foundation

/// How to reach and use a Kafka cluster: the settings of DESIGN §4, with documented defaults.
///
/// One function, ``librdkafkaProperties(for:)``, turns it into librdkafka's configuration properties.
/// Consumers never commit or store offsets automatically (`enable.auto.commit=false`,
/// `enable.auto.offset.store=false`): workers store an offset only after the work depending on it is done
/// and commit it then, so delivery is at-least-once.
public struct KafkaConfiguration: Sendable, Hashable, CustomStringConvertible {
    /// `bootstrap.servers`: comma-separated `host:port` list (`KAFKA_BOOTSTRAP`).
    public var bootstrapServers: String
    /// `group.id`: required for consumers (`KAFKA_GROUP_ID`).
    public var groupID: String?
    /// `client.id`, shown in broker logs and metrics. Default `consdb`.
    public var clientID: String = "consdb"
    /// `security.protocol` and SASL/TLS settings. Default plaintext.
    public var security: KafkaSecurity = .plaintext
    /// `session.timeout.ms`: how long the group waits for a silent member before reassigning its
    /// partitions. Default 45 s (librdkafka's). `KAFKA_SESSION_TIMEOUT_MS`.
    public var sessionTimeout: Duration = .seconds(45)
    /// `heartbeat.interval.ms`. Default 3 s. Must be below the session timeout.
    /// `KAFKA_HEARTBEAT_INTERVAL_MS`.
    public var heartbeatInterval: Duration = .seconds(3)
    /// `max.poll.interval.ms`: a consumer whose application takes longer than this between messages
    /// leaves the group. Default 300 s. `KAFKA_MAX_POLL_INTERVAL_MS`.
    public var maxPollInterval: Duration = .seconds(300)
    /// `fetch.wait.max.ms`: how long a broker may hold a fetch waiting for data. Default 100 ms (lower
    /// than librdkafka's 500 ms, for latency). Tests against the mock cluster use 10 ms.
    public var fetchWaitMax: Duration = .milliseconds(100)
    /// `auto.offset.reset`: where a group starts on a partition with no committed offset. Default earliest.
    public var autoOffsetReset: AutoOffsetReset = .earliest
    /// `isolation.level`. Default read_committed (aborted transactional messages are never seen).
    public var isolationLevel: IsolationLevel = .readCommitted
    /// `partition.assignment.strategy`. Default eager (`range,roundrobin`).
    public var assignmentStrategy: AssignmentStrategy = .eager
    /// Producer `message.timeout.ms`: how long a message may take to be delivered, retries included,
    /// before its send fails. Default 300 s (librdkafka's).
    public var deliveryTimeout: Duration = .seconds(300)
    /// Producer `linger.ms`: how long to wait to batch messages. Default 5 ms (librdkafka's).
    public var linger: Duration = .milliseconds(5)
    /// How many consumed messages the consumer holds for the application before it stops polling
    /// (not a librdkafka property). Default 1000.
    public var messageBufferCapacity: Int = 1000
    /// Any other librdkafka properties; applied last, so they override the fields above, except the two
    /// offset-store settings that at-least-once delivery depends on.
    public var extraProperties: [String: String] = [:]

    public enum AutoOffsetReset: String, Sendable, Hashable {
        case earliest, latest
        /// Fail (an error event) instead of choosing.
        case error
    }

    public enum IsolationLevel: String, Sendable, Hashable {
        case readCommitted = "read_committed"
        case readUncommitted = "read_uncommitted"
    }

    public enum AssignmentStrategy: Sendable, Hashable {
        /// `range,roundrobin`: every rebalance revokes all partitions and assigns anew.
        case eager
        /// `roundrobin`: eager, spreading partitions of all topics over the members one by one (`range`
        /// gives every one-partition topic to the same member).
        case roundRobin
        /// `cooperative-sticky`: rebalances move only the partitions that change owner.
        case cooperativeSticky

        var propertyValue: String {
            switch self {
            case .eager: "range,roundrobin"
            case .roundRobin: "roundrobin"
            case .cooperativeSticky: "cooperative-sticky"
            }
        }

        /// `KAFKA_ASSIGNMENT_STRATEGY`'s names: `range`, `roundrobin`, `cooperative-sticky`.
        public init?(name: String) {
            switch name.lowercased() {
            case "range", "eager": self = .eager
            case "roundrobin": self = .roundRobin
            case "cooperative-sticky": self = .cooperativeSticky
            default: return nil
            }
        }
    }

    /// Which kind of client the properties are for.
    public enum Role: Sendable, Hashable {
        case consumer, producer
    }

    public init(bootstrapServers: String, groupID: String? = nil) {
        self.bootstrapServers = bootstrapServers
        self.groupID = groupID
    }

    /// The librdkafka configuration properties for a consumer or a producer.
    public func librdkafkaProperties(for role: Role) -> [String: String] {
        var properties: [String: String] = [
            "bootstrap.servers": bootstrapServers,
            "client.id": clientID,
        ]
        properties.merge(security.librdkafkaProperties) { _, new in new }
        let pinned: [String: String]
        switch role {
        case .consumer:
            if let groupID { properties["group.id"] = groupID }
            properties["auto.offset.reset"] = autoOffsetReset.rawValue
            properties["isolation.level"] = isolationLevel.rawValue
            properties["session.timeout.ms"] = Self.millisecondsText(sessionTimeout)
            properties["heartbeat.interval.ms"] = Self.millisecondsText(heartbeatInterval)
            properties["max.poll.interval.ms"] = Self.millisecondsText(maxPollInterval)
            properties["fetch.wait.max.ms"] = Self.millisecondsText(fetchWaitMax)
            properties["partition.assignment.strategy"] = assignmentStrategy.propertyValue
            pinned = ["enable.auto.commit": "false", "enable.auto.offset.store": "false"]
        case .producer:
            properties["acks"] = "all"
            properties["message.timeout.ms"] = Self.millisecondsText(deliveryTimeout)
            properties["linger.ms"] = Self.millisecondsText(linger)
            pinned = [:]
        }
        properties.merge(extraProperties) { _, new in new }
        properties.merge(pinned) { _, new in new }
        return properties
    }

    static func millisecondsText(_ duration: Duration) -> String {
        String(duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000)
    }

    public var description: String {
        var parts = ["bootstrap: \(bootstrapServers)"]
        if let groupID { parts.append("group: \(groupID)") }
        parts.append("security: \(security)")
        if !extraProperties.isEmpty {
            // Values may be secrets (ssl.key.password, sasl.oauthbearer.*): names only.
            parts.append("extra: [\(extraProperties.keys.sorted().joined(separator: ", "))]")
        }
        return "KafkaConfiguration(\(parts.joined(separator: ", ")))"
    }
}

/// The connection's security: the protocol, with the SASL credentials and TLS settings it needs, so a
/// contradictory combination cannot be written down.
public enum KafkaSecurity: Sendable, Hashable, CustomStringConvertible {
    /// `PLAINTEXT`.
    case plaintext
    /// `SSL` (TLS without SASL).
    case ssl(KafkaTLS)
    /// `SASL_PLAINTEXT`: SASL authentication, no encryption (e.g. inside a Kubernetes cluster).
    case saslPlaintext(KafkaSASL)
    /// `SASL_SSL`.
    case saslSSL(KafkaSASL, KafkaTLS)

    /// The `security.protocol` value.
    public var protocolName: String {
        switch self {
        case .plaintext: "PLAINTEXT"
        case .ssl: "SSL"
        case .saslPlaintext: "SASL_PLAINTEXT"
        case .saslSSL: "SASL_SSL"
        }
    }

    var librdkafkaProperties: [String: String] {
        var properties = ["security.protocol": protocolName]
        switch self {
        case .plaintext:
            break
        case .ssl(let tls):
            properties.merge(tls.librdkafkaProperties) { _, new in new }
        case .saslPlaintext(let sasl):
            properties.merge(sasl.librdkafkaProperties) { _, new in new }
        case .saslSSL(let sasl, let tls):
            properties.merge(sasl.librdkafkaProperties) { _, new in new }
            properties.merge(tls.librdkafkaProperties) { _, new in new }
        }
        return properties
    }

    public var description: String {
        switch self {
        case .plaintext, .ssl: protocolName
        case .saslPlaintext(let sasl), .saslSSL(let sasl, _): "\(protocolName) \(sasl)"
        }
    }
}

/// SASL credentials. The password never appears in `description`.
public struct KafkaSASL: Sendable, Hashable, CustomStringConvertible {
    public enum Mechanism: String, Sendable, Hashable, CaseIterable {
        case plain = "PLAIN"
        case scramSHA256 = "SCRAM-SHA-256"
        case scramSHA512 = "SCRAM-SHA-512"
    }

    /// Default SCRAM-SHA-512, what Rubin's Kafka (Sasquatch) uses.
    public var mechanism: Mechanism
    public var username: String
    public var password: String

    public init(mechanism: Mechanism = .scramSHA512, username: String, password: String) {
        self.mechanism = mechanism
        self.username = username
        self.password = password
    }

    var librdkafkaProperties: [String: String] {
        ["sasl.mechanism": mechanism.rawValue, "sasl.username": username, "sasl.password": password]
    }

    public var description: String { "\(mechanism.rawValue) user=\(username) password=<redacted>" }
}

/// TLS settings for `SSL` and `SASL_SSL`.
public struct KafkaTLS: Sendable, Hashable {
    /// `ssl.ca.location`: a PEM file or directory of CA certificates; `nil` for the system's.
    public var caLocation: String?

    public init(caLocation: String? = nil) {
        self.caLocation = caLocation
    }

    var librdkafkaProperties: [String: String] {
        caLocation.map { ["ssl.ca.location": $0] } ?? [:]
    }
}

/// A missing, malformed or contradictory Kafka setting, naming the environment variable.
public struct KafkaConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The variable, e.g. `KAFKA_SESSION_TIMEOUT_MS`.
    public var variable: String
    public var problem: String

    public init(variable: String, problem: String) {
        self.variable = variable
        self.problem = problem
    }

    public var description: String { "\(variable) \(problem)" }
}

extension KafkaConfiguration {
    /// Reads the settings of DESIGN §4 from environment variables:
    ///
    /// - `KAFKA_BOOTSTRAP` (required), `KAFKA_GROUP_ID`;
    /// - `KAFKA_USERNAME`, `KAFKA_PASSWORD` (both or neither);
    /// - `KAFKA_SECURITY_PROTOCOL`: PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL; default SASL_PLAINTEXT when a
    ///   user name is set, else PLAINTEXT;
    /// - `KAFKA_SASL_MECHANISM`: PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512 (default);
    /// - `KAFKA_SESSION_TIMEOUT_MS`, `KAFKA_HEARTBEAT_INTERVAL_MS`, `KAFKA_MAX_POLL_INTERVAL_MS`: positive
    ///   integers, the heartbeat below the session timeout;
    /// - `KAFKA_ASSIGNMENT_STRATEGY`: range (default), roundrobin or cooperative-sticky.
    ///
    /// Empty values count as unset. Errors name the variable and never repeat a password.
    public static func fromEnvironment(_ environment: [String: String]) throws(KafkaConfigurationError) -> KafkaConfiguration {
        func value(_ name: String) -> String? {
            guard let text = environment[name]?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
            return text
        }
        func positiveMilliseconds(_ name: String, default fallback: Duration) throws(KafkaConfigurationError) -> Duration {
            guard let text = value(name) else { return fallback }
            guard let number = Int(text), number > 0, number <= Int(Int32.max) else {
                throw KafkaConfigurationError(variable: name, problem: "must be a positive number of milliseconds; got '\(text)'")
            }
            return .milliseconds(number)
        }

        guard let bootstrap = value("KAFKA_BOOTSTRAP") else {
            throw KafkaConfigurationError(variable: "KAFKA_BOOTSTRAP", problem: "is not set (host:port of the Kafka brokers, comma-separated)")
        }
        var configuration = KafkaConfiguration(bootstrapServers: bootstrap, groupID: value("KAFKA_GROUP_ID"))

        let username = value("KAFKA_USERNAME")
        let password = environment["KAFKA_PASSWORD"].flatMap { $0.isEmpty ? nil : $0 }
        if username != nil, password == nil {
            throw KafkaConfigurationError(variable: "KAFKA_PASSWORD", problem: "is not set, but KAFKA_USERNAME is")
        }
        if username == nil, password != nil {
            throw KafkaConfigurationError(variable: "KAFKA_USERNAME", problem: "is not set, but KAFKA_PASSWORD is")
        }
        var mechanism = KafkaSASL.Mechanism.scramSHA512
        if let text = value("KAFKA_SASL_MECHANISM") {
            guard let parsed = KafkaSASL.Mechanism(rawValue: text.uppercased()) else {
                throw KafkaConfigurationError(variable: "KAFKA_SASL_MECHANISM", problem: "must be PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512; got '\(text)'")
            }
            guard username != nil else {
                throw KafkaConfigurationError(variable: "KAFKA_SASL_MECHANISM", problem: "is set, but KAFKA_USERNAME is not")
            }
            mechanism = parsed
        }
        let sasl = username.map { KafkaSASL(mechanism: mechanism, username: $0, password: password ?? "") }
        let protocolName = value("KAFKA_SECURITY_PROTOCOL")?.uppercased() ?? (sasl == nil ? "PLAINTEXT" : "SASL_PLAINTEXT")
        switch (protocolName, sasl) {
        case ("PLAINTEXT", nil):
            configuration.security = .plaintext
        case ("SSL", nil):
            configuration.security = .ssl(KafkaTLS())
        case ("SASL_PLAINTEXT", let sasl?):
            configuration.security = .saslPlaintext(sasl)
        case ("SASL_SSL", let sasl?):
            configuration.security = .saslSSL(sasl, KafkaTLS())
        case ("PLAINTEXT", _?), ("SSL", _?):
            throw KafkaConfigurationError(variable: "KAFKA_SECURITY_PROTOCOL", problem: "is \(protocolName), which sends no credentials, but KAFKA_USERNAME is set (use SASL_PLAINTEXT or SASL_SSL)")
        case ("SASL_PLAINTEXT", nil), ("SASL_SSL", nil):
            throw KafkaConfigurationError(variable: "KAFKA_USERNAME", problem: "is not set, but KAFKA_SECURITY_PROTOCOL is \(protocolName)")
        default:
            throw KafkaConfigurationError(variable: "KAFKA_SECURITY_PROTOCOL", problem: "must be PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL; got '\(protocolName)'")
        }

        configuration.sessionTimeout = try positiveMilliseconds("KAFKA_SESSION_TIMEOUT_MS", default: configuration.sessionTimeout)
        configuration.heartbeatInterval = try positiveMilliseconds("KAFKA_HEARTBEAT_INTERVAL_MS", default: configuration.heartbeatInterval)
        configuration.maxPollInterval = try positiveMilliseconds("KAFKA_MAX_POLL_INTERVAL_MS", default: configuration.maxPollInterval)
        if let text = value("KAFKA_ASSIGNMENT_STRATEGY") {
            guard let strategy = AssignmentStrategy(name: text) else {
                throw KafkaConfigurationError(variable: "KAFKA_ASSIGNMENT_STRATEGY", problem: "must be range, roundrobin or cooperative-sticky; got '\(text)'")
            }
            configuration.assignmentStrategy = strategy
        }
        guard configuration.heartbeatInterval < configuration.sessionTimeout else {
            throw KafkaConfigurationError(
                variable: "KAFKA_HEARTBEAT_INTERVAL_MS",
                problem: "must be below the session timeout (\(Self.millisecondsText(configuration.sessionTimeout)) ms); got \(Self.millisecondsText(configuration.heartbeatInterval)) ms"
            )
        }
        return configuration
    }
}
