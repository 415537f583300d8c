import Kafka
import Testing

@Suite struct KafkaConfigurationTests {
    @Test func consumerPropertiesAreExact() {
        var configuration = KafkaConfiguration(bootstrapServers: "broker-1:9092,broker-2:9092", groupID: "consdb-hinfo")
        configuration.extraProperties = ["statistics.interval.ms": "0", "enable.auto.commit": "true"]
        #expect(configuration.librdkafkaProperties(for: .consumer) == [
            "bootstrap.servers": "broker-1:9092,broker-2:9092",
            "client.id": "consdb",
            "security.protocol": "PLAINTEXT",
            "group.id": "consdb-hinfo",
            "enable.auto.commit": "false",
            "enable.auto.offset.store": "false",
            "auto.offset.reset": "earliest",
            "isolation.level": "read_committed",
            "session.timeout.ms": "45000",
            "heartbeat.interval.ms": "3000",
            "max.poll.interval.ms": "300000",
            "fetch.wait.max.ms": "100",
            "partition.assignment.strategy": "range,roundrobin",
            "statistics.interval.ms": "0",
        ])
    }

    @Test func producerPropertiesWithSASLOverTLSAreExact() {
        var configuration = KafkaConfiguration(bootstrapServers: "kafka:9094")
        configuration.security = .saslSSL(KafkaSASL(username: "consdb", password: "s3cret"), KafkaTLS(caLocation: "/etc/ca.pem"))
        configuration.deliveryTimeout = .milliseconds(1500)
        configuration.linger = .milliseconds(2)
        configuration.clientID = "consdb-test"
        #expect(configuration.librdkafkaProperties(for: .producer) == [
            "bootstrap.servers": "kafka:9094",
            "client.id": "consdb-test",
            "security.protocol": "SASL_SSL",
            "sasl.mechanism": "SCRAM-SHA-512",
            "sasl.username": "consdb",
            "sasl.password": "s3cret",
            "ssl.ca.location": "/etc/ca.pem",
            "acks": "all",
            "message.timeout.ms": "1500",
            "linger.ms": "2",
        ])
    }

    @Test func cooperativeStickyAndOtherChoicesMap() {
        var configuration = KafkaConfiguration(bootstrapServers: "b:1", groupID: "g")
        configuration.assignmentStrategy = .cooperativeSticky
        configuration.autoOffsetReset = .latest
        configuration.isolationLevel = .readUncommitted
        configuration.security = .ssl(KafkaTLS())
        let properties = configuration.librdkafkaProperties(for: .consumer)
        #expect(properties["partition.assignment.strategy"] == "cooperative-sticky")
        #expect(properties["auto.offset.reset"] == "latest")
        #expect(properties["isolation.level"] == "read_uncommitted")
        #expect(properties["security.protocol"] == "SSL")
        #expect(properties["ssl.ca.location"] == nil)
    }

    @Test func environmentWithEverySetting() throws {
        let configuration = try KafkaConfiguration.fromEnvironment([
            "KAFKA_BOOTSTRAP": "sasquatch:9092",
            "KAFKA_GROUP_ID": "consdb-efd",
            "KAFKA_USERNAME": "consdb",
            "KAFKA_PASSWORD": "hunter2",
            "KAFKA_SECURITY_PROTOCOL": "sasl_ssl",
            "KAFKA_SASL_MECHANISM": "SCRAM-SHA-256",
            "KAFKA_SESSION_TIMEOUT_MS": "6000",
            "KAFKA_HEARTBEAT_INTERVAL_MS": "1000",
            "KAFKA_MAX_POLL_INTERVAL_MS": "60000",
            "KAFKA_ASSIGNMENT_STRATEGY": "Cooperative-Sticky",
        ])
        var expected = KafkaConfiguration(bootstrapServers: "sasquatch:9092", groupID: "consdb-efd")
        expected.security = .saslSSL(KafkaSASL(mechanism: .scramSHA256, username: "consdb", password: "hunter2"), KafkaTLS())
        expected.sessionTimeout = .milliseconds(6000)
        expected.heartbeatInterval = .milliseconds(1000)
        expected.maxPollInterval = .milliseconds(60000)
        expected.assignmentStrategy = .cooperativeSticky
        #expect(configuration == expected)
        #expect(configuration.librdkafkaProperties(for: .consumer)["partition.assignment.strategy"] == "cooperative-sticky")
    }

    @Test func environmentDefaults() throws {
        let plain = try KafkaConfiguration.fromEnvironment(["KAFKA_BOOTSTRAP": "localhost:9092", "KAFKA_GROUP_ID": ""])
        #expect(plain == KafkaConfiguration(bootstrapServers: "localhost:9092"))
        // A user name alone means SASL_PLAINTEXT with SCRAM-SHA-512 (DESIGN §4).
        let sasl = try KafkaConfiguration.fromEnvironment(["KAFKA_BOOTSTRAP": "b:9092", "KAFKA_USERNAME": "u", "KAFKA_PASSWORD": "p"])
        #expect(sasl.security == .saslPlaintext(KafkaSASL(mechanism: .scramSHA512, username: "u", password: "p")))
    }

    @Test(arguments: [
        ([:], "KAFKA_BOOTSTRAP"),
        (["KAFKA_USERNAME": "u"], "KAFKA_PASSWORD"),
        (["KAFKA_PASSWORD": "p"], "KAFKA_USERNAME"),
        (["KAFKA_SECURITY_PROTOCOL": "SASL_SSL"], "KAFKA_USERNAME"),
        (["KAFKA_SECURITY_PROTOCOL": "PLAINTEXT", "KAFKA_USERNAME": "u", "KAFKA_PASSWORD": "p"], "KAFKA_SECURITY_PROTOCOL"),
        (["KAFKA_SECURITY_PROTOCOL": "TLS"], "KAFKA_SECURITY_PROTOCOL"),
        (["KAFKA_SASL_MECHANISM": "GSSAPI", "KAFKA_USERNAME": "u", "KAFKA_PASSWORD": "p"], "KAFKA_SASL_MECHANISM"),
        (["KAFKA_SASL_MECHANISM": "PLAIN"], "KAFKA_SASL_MECHANISM"),
        (["KAFKA_SESSION_TIMEOUT_MS": "soon"], "KAFKA_SESSION_TIMEOUT_MS"),
        (["KAFKA_HEARTBEAT_INTERVAL_MS": "0"], "KAFKA_HEARTBEAT_INTERVAL_MS"),
        (["KAFKA_MAX_POLL_INTERVAL_MS": "-5"], "KAFKA_MAX_POLL_INTERVAL_MS"),
        (["KAFKA_ASSIGNMENT_STRATEGY": "sticky"], "KAFKA_ASSIGNMENT_STRATEGY"),
        (["KAFKA_SESSION_TIMEOUT_MS": "3000", "KAFKA_HEARTBEAT_INTERVAL_MS": "3000"], "KAFKA_HEARTBEAT_INTERVAL_MS"),
    ] as [([String: String], String)])
    func environmentErrorsNameTheVariable(_ environment: [String: String], _ variable: String) {
        var environment = environment
        if variable != "KAFKA_BOOTSTRAP" { environment["KAFKA_BOOTSTRAP"] = "b:9092" }
        #expect {
            _ = try KafkaConfiguration.fromEnvironment(environment)
        } throws: { error in
            guard let error = error as? KafkaConfigurationError else { return false }
            return error.variable == variable && error.description.hasPrefix(variable) && !error.description.contains("\"p\"")
        }
    }

    @Test func passwordsNeverAppearInDescriptions() throws {
        var configuration = KafkaConfiguration(bootstrapServers: "b:9092", groupID: "g")
        configuration.security = .saslPlaintext(KafkaSASL(username: "consdb", password: "pa55word-xyz"))
        configuration.extraProperties = ["ssl.key.password": "other-secret"]
        let text = "\(configuration)"
        #expect(text.contains("consdb"))
        #expect(!text.contains("pa55word-xyz"))
        #expect(!text.contains("other-secret"))
        #expect(text.contains("ssl.key.password"))
        // A rejected secret's value is not repeated, even in the error's full text.
        configuration.extraProperties = ["sasl.kerberos.min.time.before.relogin": "pa55word-xyz"]
        #expect {
            _ = try KafkaProducer.make(configuration: configuration, logger: testLogger)
        } throws: { error in
            guard let error = error as? KafkaError else { return false }
            return error.code == .invalidArgument && !String(reflecting: error).contains("pa55word-xyz")
        }
    }

    @Test func errorDescriptionIsRedacted() {
        let error = KafkaError(code: .transport, message: "sasl user consdb@broker-7:9092 failed", operation: "commit", topic: "t", partition: 3)
        #expect(error.description == "KafkaError(_TRANSPORT: Local: Broker transport failure; operation: commit, topic: t, partition: 3)")
        #expect(String(reflecting: error).contains("broker-7"))
        #expect(!error.description.contains("broker-7"))
    }

    @Test func topicSpecs() throws {
        #expect(try KafkaMockCluster.TopicSpec.parseList("a,b:3, c.d_e-f:12") == [
            .init(name: "a"), .init(name: "b", partitions: 3), .init(name: "c.d_e-f", partitions: 12),
        ])
        for bad in ["", "a,,b", "a:0", "a:x", "a:1:2", "sp ace", "a,a:2", "..", String(repeating: "x", count: 250)] {
            #expect(throws: KafkaConfigurationError.self, "\(bad)") { try KafkaMockCluster.TopicSpec.parseList(bad) }
        }
    }
}
