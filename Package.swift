// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "consdb",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "consdb", targets: ["consdb"]),
        .executable(name: "hinfo-bench", targets: ["HinfoBench"]),
        .executable(name: "efd-bench", targets: ["EFDBench"]),
        .executable(name: "efd-stream-bench", targets: ["EFDStreamBench"]),
        .executable(name: "efd-batch-bench", targets: ["EFDBatchBench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/adam-fowler/compress-nio", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),
        .systemLibrary(
            name: "CRdKafka",
            pkgConfig: "rdkafka",
            providers: [.apt(["librdkafka-dev"])]
        ),
        .target(
            name: "Kafka",
            dependencies: [
                "CRdKafka",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(name: "Avro"),
        .target(name: "Astrometry"),
        .target(
            name: "EFD",
            dependencies: ["Felis", .product(name: "Yams", package: "Yams")]
        ),
        .target(
            name: "HeaderFile",
            dependencies: [.product(name: "Yams", package: "Yams")]
        ),
        .target(
            name: "Ingest",
            dependencies: [
                "Postgres", "Felis", "Kafka", "Avro", "Fetch", "HeaderFile", "Astrometry", "EFD", "InfluxDB",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "DevServices",
            dependencies: [
                "Avro", "Ingest", "HeaderFile", "Astrometry", "EFD",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        .target(
            name: "Fetch",
            dependencies: [
                "CCurl",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "InfluxDB",
            dependencies: ["Fetch", "EFD", .product(name: "Logging", package: "swift-log")]
        ),
        .target(
            name: "Postgres",
            dependencies: [
                "CLibPQ",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "Felis",
            dependencies: [
                "Postgres",
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .target(
            name: "API",
            dependencies: [
                "Postgres",
                "Felis",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "CompressNIO", package: "compress-nio"),
            ]
        ),
        .executableTarget(
            name: "consdb",
            dependencies: [
                "Kafka",
                "InfluxDB",
                "Postgres",
                "Felis",
                "API",
                "Ingest",
                "EFD",
                "DevServices",
                "HeaderFile",
                "Avro",
                "Fetch",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .executableTarget(
            name: "HinfoBench",
            dependencies: ["Ingest", "DevServices", "HeaderFile", "Felis", "Postgres", .product(name: "Logging", package: "swift-log")],
            path: "Benchmarks/HinfoBench"
        ),
        .executableTarget(
            name: "EFDBench",
            dependencies: ["EFD", "Avro"],
            path: "Benchmarks/EFDBench"
        ),
        .executableTarget(
            name: "EFDStreamBench",
            dependencies: [
                "Ingest", "EFD", "Kafka", "Avro", "Felis", "Postgres", "DevServices", "Astrometry",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/EFDStreamBench"
        ),
        .executableTarget(
            name: "EFDBatchBench",
            dependencies: [
                "Ingest", "EFD", "InfluxDB", "Felis", "Postgres", "Astrometry",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/EFDBatchBench"
        ),
        .target(
            name: "TestSupport",
            dependencies: ["Postgres", "InfluxDB"]
        ),
        .testTarget(name: "PostgresTests", dependencies: ["Postgres", "TestSupport"]),
        .testTarget(name: "AstrometryTests", dependencies: ["Astrometry"]),
        .testTarget(name: "EFDTests", dependencies: ["EFD", "Felis", "Postgres", "TestSupport"]),
        .testTarget(name: "HeaderFileTests", dependencies: ["HeaderFile", "TestSupport"]),
        .testTarget(
            name: "IngestTests",
            dependencies: ["Ingest", "DevServices", "HeaderFile", "Astrometry", "Kafka", "Avro", "Fetch", "Felis", "Postgres", "EFD", "InfluxDB", "TestSupport"]
        ),
        .testTarget(name: "DevServicesTests", dependencies: ["DevServices", "Avro", "Ingest", "Fetch", "TestSupport"]),
        .testTarget(name: "CommandTests", dependencies: ["consdb", "TestSupport"]),
        .testTarget(name: "AvroTests", dependencies: ["Avro", "TestSupport"]),
        .testTarget(name: "KafkaTests", dependencies: ["Kafka", "TestSupport"]),
        .testTarget(
            name: "FetchTests",
            dependencies: [
                "Fetch", "TestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
        .testTarget(name: "InfluxDBTests", dependencies: ["InfluxDB", "EFD", "Fetch", "TestSupport"]),
        .testTarget(name: "FelisTests", dependencies: ["Felis", "Postgres", "TestSupport"]),
        .testTarget(
            name: "APITests",
            dependencies: [
                "API", "Felis", "Postgres", "TestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "CompressNIO", package: "compress-nio"),
            ]
        ),
    ]
)
