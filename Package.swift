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
        .executable(name: "adql-bench", targets: ["ADQLBench"]),
        .executable(name: "votable-bench", targets: ["VOTableBench"]),
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
        .target(name: "JSON"),
        // ADQL 2.1: lexer, parser, syntax tree, translation to PostgreSQL with pgSphere. Pure.
        .target(name: "ADQL"),
        .target(name: "Backoff"),
        .target(name: "Avro", dependencies: ["JSON", "Backoff"]),
        .target(name: "TimeScales"),
        // TAP result writers (VOTable TABLEDATA and BINARY2, CSV, TSV) over PostgreSQL text values: pure.
        .target(name: "VOTable", dependencies: ["TimeScales"]),
        .target(name: "Astrometry", dependencies: ["TimeScales"]),
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
                "Postgres", "Felis", "FelisCatalog", "Kafka", "Avro", "Fetch", "HeaderFile", "Astrometry", "TimeScales", "EFD",
                "InfluxDB", "Backoff", "JSON",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "DevServices",
            dependencies: [
                "Avro", "JSON", "Ingest", "HeaderFile", "Astrometry", "TimeScales", "EFD",
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
                "CCurl", "Backoff",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "InfluxDB",
            dependencies: ["Fetch", "TimeScales", "JSON", .product(name: "Logging", package: "swift-log")]
        ),
        .target(
            name: "Postgres",
            dependencies: [
                "CLibPQ",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The Felis model, loader, checks and DDL planning: pure, no database.
        .target(
            name: "Felis",
            dependencies: ["ADQL", .product(name: "Yams", package: "Yams")]
        ),
        // Felis against a live database: the catalog reader, the schema applier, the reader role.
        .target(
            name: "FelisCatalog",
            dependencies: ["Felis", "Postgres", "JSON"]
        ),
        // The daily table checks: rules from YAML, their SQL, the runner and its log table.
        .target(
            name: "Consistency",
            dependencies: ["Postgres", "JSON", .product(name: "Yams", package: "Yams")]
        ),
        // The IVOA TAP service: parameters, query execution, UWS jobs, VOSI; mounted by `API`.
        .target(
            name: "TAP",
            dependencies: [
                "Postgres", "JSON", "FelisCatalog", "ADQL", "VOTable",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "API",
            dependencies: [
                "Postgres", "JSON", "Consistency", "TAP",
                "Felis",
                "FelisCatalog",
                "TimeScales",
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
                "Consistency",
                "InfluxDB",
                "Postgres",
                "Felis",
                "FelisCatalog",
                "TimeScales",
                "API",
                "Ingest",
                "EFD",
                "DevServices",
                "HeaderFile",
                "Avro",
                "Fetch",
                "TAP",
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
            dependencies: ["Ingest", "DevServices", "HeaderFile", "Felis", "FelisCatalog", "Postgres", .product(name: "Logging", package: "swift-log")],
            path: "Benchmarks/HinfoBench"
        ),
        .executableTarget(
            name: "EFDBench",
            dependencies: ["EFD", "Avro", "TimeScales"],
            path: "Benchmarks/EFDBench"
        ),
        .executableTarget(
            name: "EFDStreamBench",
            dependencies: [
                "Ingest", "EFD", "Kafka", "Avro", "Felis", "FelisCatalog", "Postgres", "DevServices", "TimeScales",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/EFDStreamBench"
        ),
        .executableTarget(
            name: "EFDBatchBench",
            dependencies: [
                "Ingest", "EFD", "InfluxDB", "Felis", "FelisCatalog", "Postgres", "TimeScales",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/EFDBatchBench"
        ),
        .executableTarget(name: "ADQLBench", dependencies: ["ADQL"], path: "Benchmarks/ADQLBench"),
        .executableTarget(
            name: "VOTableBench",
            dependencies: ["VOTable", "JSON", "TimeScales"],
            path: "Benchmarks/VOTableBench"
        ),
        .target(
            name: "TestSupport",
            dependencies: ["Postgres", "InfluxDB", .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(name: "PostgresTests", dependencies: ["Postgres", "TestSupport"]),
        .testTarget(
            name: "TAPTests",
            dependencies: [
                "TAP", "Postgres", "JSON", "TestSupport", "FelisCatalog",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
        .testTarget(
            name: "ConsistencyTests",
            dependencies: [
                "Consistency", "API", "Ingest", "Felis", "FelisCatalog", "Postgres", "JSON", "TestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
        .testTarget(name: "TimeScalesTests", dependencies: ["TimeScales"]),
        .testTarget(name: "VOTableTests", dependencies: ["VOTable", "Postgres", "TestSupport"], exclude: ["Golden"]),
        .testTarget(name: "ADQLTests", dependencies: ["ADQL", "Postgres", "TestSupport"]),
        .testTarget(name: "AstrometryTests", dependencies: ["Astrometry"]),
        .testTarget(name: "BackoffTests", dependencies: ["Backoff"]),
        .testTarget(name: "EFDTests", dependencies: ["EFD", "Felis", "FelisCatalog", "Postgres", "TestSupport"]),
        .testTarget(name: "HeaderFileTests", dependencies: ["HeaderFile", "TestSupport"]),
        .testTarget(
            name: "IngestTests",
            dependencies: [
                "Ingest", "DevServices", "HeaderFile", "Astrometry", "TimeScales", "Kafka", "Avro", "Fetch", "Felis", "FelisCatalog", "Postgres",
                "EFD", "InfluxDB", "TestSupport",
            ]
        ),
        .testTarget(name: "DevServicesTests", dependencies: ["DevServices", "Avro", "Ingest", "Fetch", "EFD", "HeaderFile", "TestSupport"]),
        .testTarget(name: "CommandTests", dependencies: ["consdb", "DevServices", "TestSupport"]),
        .testTarget(name: "JSONTests", dependencies: ["JSON", "TestSupport"]),
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
        // Ingest: the reads fill EFD topic buffers, which are InfluxRowTargets there.
        .testTarget(name: "InfluxDBTests", dependencies: ["InfluxDB", "EFD", "Ingest", "TimeScales", "Fetch", "TestSupport"]),
        .testTarget(name: "FelisTests", dependencies: ["Felis", "FelisCatalog", "EFD", "ADQL", "Postgres", "TestSupport"]),
        .testTarget(
            name: "APITests",
            dependencies: [
                "API", "Consistency", "Felis", "FelisCatalog", "JSON", "TimeScales", "Postgres", "TestSupport", "TAP",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CompressNIO", package: "compress-nio"),
            ]
        ),
    ]
)
