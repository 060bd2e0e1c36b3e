// swift-tools-version:6.2
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .treatAllWarnings(as: .error),
]

let package = Package(
    name: "kapso-gitsync",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "kapso-gitsync", targets: ["kapso-gitsync"]),
        .executable(name: "kapso-fake", targets: ["kapso-fake"]),
        .executable(name: "kapso-bench", targets: ["kapso-bench"]),
    ],
    // Exact versions: a deployed service pins what it runs. Package.resolved (which would pin the
    // transitive ones by commit too) is not committed: see the README, "Dependencies".
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", exact: "3.12.3"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
        .package(url: "https://github.com/jpsim/Yams", exact: "6.2.2"),
        .package(url: "https://github.com/swhitty/FlyingFox", exact: "0.27.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", exact: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", exact: "2.4.1"),
        .package(url: "https://github.com/swift-server/async-http-client", exact: "1.37.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CLibgit2", path: "Sources/CLibgit2",
            pkgConfig: "libgit2", providers: [.apt(["libgit2-dev"])]),
        .target(
            name: "GitStore", dependencies: ["CLibgit2", .product(name: "Crypto", package: "swift-crypto")], swiftSettings: strict),
        .target(name: "CanonicalJSON", swiftSettings: strict),
        .target(name: "KapsoModels", dependencies: ["CanonicalJSON"], swiftSettings: strict),
        .target(
            name: "KapsoAPI",
            dependencies: ["CanonicalJSON", "KapsoModels", .product(name: "AsyncHTTPClient", package: "async-http-client")],
            swiftSettings: strict),
        .target(
            name: "KapsoYAML", dependencies: ["CanonicalJSON", .product(name: "Yams", package: "Yams")],
            swiftSettings: strict),
        .target(
            name: "WorkflowRepo",
            dependencies: ["CanonicalJSON", "KapsoModels", "KapsoYAML", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict),
        .target(name: "WorkflowMerge", dependencies: ["CanonicalJSON"], swiftSettings: strict),
        .target(name: "WorkflowReview", dependencies: ["WorkflowMerge", "CanonicalJSON"], swiftSettings: strict),
        .target(
            name: "SyncEngine",
            dependencies: [
                "GitStore", "CanonicalJSON", "KapsoModels", "KapsoYAML", "WorkflowMerge", "WorkflowRepo",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        .target(
            name: "GitSyncConfig",
            dependencies: [
                "KapsoModels", "GitStore", .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict),
        .target(
            name: "GitSyncComposition", dependencies: ["GitSyncConfig", "SyncEngine", "GitStore", "KapsoAPI", "KapsoModels"],
            swiftSettings: strict),
        .target(
            name: "KapsoFake",
            dependencies: [
                "CanonicalJSON", "KapsoYAML", .product(name: "FlyingFox", package: "FlyingFox"),
            ],
            swiftSettings: strict),
        .target(
            name: "GitSyncService",
            dependencies: [
                "GitSyncConfig", "SyncEngine", "KapsoModels", "GitStore",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "FlyingFox", package: "FlyingFox"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        .executableTarget(
            name: "kapso-gitsync",
            dependencies: [
                "GitSyncComposition", "GitSyncConfig", "GitSyncService", "SyncEngine", "KapsoAPI", "KapsoModels", "KapsoFake", "GitStore",
                "WorkflowMerge", "WorkflowRepo",
                "WorkflowReview", "KapsoYAML", "CanonicalJSON",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        .executableTarget(
            name: "kapso-fake",
            dependencies: ["KapsoFake", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: strict),
        .executableTarget(
            name: "kapso-bench",
            dependencies: [
                "SyncEngine", "KapsoAPI", "KapsoModels", "GitStore", "GitSyncComposition", "CanonicalJSON",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        .target(
            name: "TestSupport", dependencies: ["KapsoFake", "KapsoAPI", "KapsoModels"], path: "Tests/TestSupport", swiftSettings: strict),
        .testTarget(
            name: "CanonicalJSONTests", dependencies: ["CanonicalJSON", "KapsoYAML", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "WorkflowMergeTests", dependencies: ["WorkflowMerge", "CanonicalJSON"], swiftSettings: strict),
        .testTarget(
            name: "WorkflowReviewTests", dependencies: ["WorkflowReview", "WorkflowMerge", "CanonicalJSON", "KapsoYAML", "TestSupport"],
            exclude: ["Golden"], swiftSettings: strict),
        .testTarget(name: "GitStoreTests", dependencies: ["TestSupport", "GitStore"], swiftSettings: strict),
        .testTarget(
            name: "KapsoAPITests", dependencies: ["TestSupport", "KapsoAPI", "KapsoModels", "KapsoFake", "CanonicalJSON"],
            swiftSettings: strict),
        .testTarget(
            name: "KapsoFakeTests", dependencies: ["TestSupport", "KapsoFake", "KapsoAPI", "KapsoModels", "CanonicalJSON"],
            swiftSettings: strict),
        .testTarget(
            name: "WorkflowRepoTests", dependencies: ["TestSupport", "WorkflowRepo", "KapsoModels", "KapsoYAML", "CanonicalJSON"],
            swiftSettings: strict),
        .testTarget(
            name: "SyncEngineTests",
            dependencies: [
                "TestSupport", "SyncEngine", "KapsoFake", "KapsoAPI", "KapsoModels", "GitStore", "WorkflowRepo", "CanonicalJSON",
                "GitSyncConfig",
            ],
            swiftSettings: strict),
        .testTarget(
            name: "GitSyncServiceTests",
            dependencies: [
                "TestSupport", "GitSyncService", "GitSyncComposition", "GitSyncConfig", "SyncEngine", "KapsoAPI", "KapsoModels", "GitStore",
                .product(name: "Crypto", package: "swift-crypto"), .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "TestSupport", "KapsoFake", "CanonicalJSON", "GitSyncConfig", "KapsoYAML",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict),
    ]
)
