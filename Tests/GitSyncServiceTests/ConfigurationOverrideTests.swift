import GitSyncConfig
import Testing

@Suite struct ConfigurationOverrideTests {
    static let file = """
        repository:
          path: /srv/repo.git
        sync:
          interval_seconds: 120
        status:
          listen: 127.0.0.1:9000
        """

    static func parse(
        _ text: String = file, environment: [String: String] = [:], overrides: [String] = []
    ) throws(ConfigurationError) -> Configuration {
        try ConfigurationLoader.parse(text, source: "test.yaml", baseDirectory: "/etc", environment: environment, overrides: overrides)
    }

    @Test func defaultsOfTheServiceKeys() throws {
        let service = try Self.parse("repository:\n  path: r.git\n").service
        #expect(service == ServiceSettings())
        #expect(service.listen == ListenAddress(host: "127.0.0.1", port: 9464))
        #expect(service.intervalSeconds == 60)
        #expect(!service.suspend)
    }

    @Test func packingLimitsDefaultToGitsAndTakeZeroForOff() throws {
        let defaults = try Self.parse()
        #expect(defaults.packLooseObjects == 6700 && defaults.packLooseMegabytes == 64 && defaults.packSmallPacks == 50)
        let set = try Self.parse(overrides: [
            "repository.pack_loose_objects=0", "repository.pack_loose_megabytes=16", "repository.pack_small_packs=0",
        ])
        #expect(set.packLooseObjects == 0 && set.packLooseMegabytes == 16 && set.packSmallPacks == 0)
        #expect(set.redactedDescription.contains("repository.pack_loose_megabytes: 16"))
        for refused in ["repository.pack_loose_objects=-1", "repository.pack_loose_megabytes=many"] {
            let error = try #require(throws: ConfigurationError.self) { try Self.parse(overrides: [refused]) }
            #expect(error.key == String(refused.prefix { $0 != "=" }), "\(error)")
        }
    }

    @Test func environmentBeatsTheFileAndFlagsBeatTheEnvironment() throws {
        let fromFile = try Self.parse()
        #expect(fromFile.service.intervalSeconds == 120)
        let fromEnvironment = try Self.parse(environment: [
            "KAPSO_GITSYNC_SYNC_INTERVAL_SECONDS": "30", "KAPSO_GITSYNC_SYNC_SUSPEND": "yes",
        ])
        #expect(fromEnvironment.service.intervalSeconds == 30)
        #expect(fromEnvironment.service.suspend)
        let fromFlag = try Self.parse(
            environment: ["KAPSO_GITSYNC_SYNC_INTERVAL_SECONDS": "30"], overrides: ["sync.interval_seconds=15", "status.listen=off"])
        #expect(fromFlag.service.intervalSeconds == 15)
        #expect(fromFlag.service.listen == nil)
        let repository = try Self.parse(environment: ["KAPSO_GITSYNC_REPOSITORY_PATH": "other.git"])
        #expect(repository.repositoryPath == "/etc/other.git")
        // The configuration file's own variable is not a key.
        #expect(throws: Never.self) { try Self.parse(environment: ["KAPSO_GITSYNC_CONFIG": "/etc/x.yaml"]) }
    }

    @Test(arguments: [
        (["KAPSO_GITSYNC_SYNC_INTERVAL": "5"], [String](), "KAPSO_GITSYNC_SYNC_INTERVAL"),
        (["KAPSO_GITSYNC_NOPE": "5"], [], "KAPSO_GITSYNC_NOPE"),
        ([:], ["sync.interval=5"], "--set sync.interval"),
        ([:], ["interval_seconds=5"], "--set interval_seconds=5"),
        ([:], ["sync.interval_seconds=0"], "sync.interval_seconds"),
        ([:], ["sync.suspend=maybe"], "sync.suspend"),
        ([:], ["status.listen=localhost"], "status.listen"),
        ([:], ["status.listen=127.0.0.1:99999"], "status.listen"),
        ([:], ["log.level=loud"], "log.level"),
        ([:], ["log.format=xml"], "log.format"),
        ([:], ["sync.retry_seconds=900"], "sync.max_backoff_seconds"),
        ([:], ["sync.statuses=deleted"], "sync.statuses"),
        ([:], ["sync.exclude=a/b"], "sync.exclude"),
        ([:], ["sync.include=sales-*,,"], "sync.include"),
    ])
    func errorsNameTheKey(environment: [String: String], overrides: [String], key: String) {
        #expect {
            try Self.parse(environment: environment, overrides: overrides)
        } throws: { error in
            (error as? ConfigurationError)?.key == key
        }
    }

    @Test(arguments: [
        ("127.0.0.1:9464", ListenAddress(host: "127.0.0.1", port: 9464)), ("0.0.0.0:80", ListenAddress(host: "0.0.0.0", port: 80)),
        ("[::1]:9464", ListenAddress(host: "::1", port: 9464)), ("::1:9464", nil), ("host", nil), ("1.2.3.4:", nil), ("[::1]9464", nil),
        ("localhost:9464", nil), ("10.0.0.300:1", nil),
    ])
    func listenAddresses(text: String, expected: ListenAddress?) {
        #expect(ListenAddress(text) == expected)
    }

    @Test func theRedactedDescriptionListsEveryServiceKey() throws {
        let lines = try Self.parse().redactedDescription
        for key in ["sync.interval_seconds: 120", "status.listen: 127.0.0.1:9000", "sync.suspend: false", "log.format: auto"] {
            #expect(lines.contains(key))
        }
    }

    @Test func filtersAreListsSeparatedByCommas() throws {
        let configuration = try Self.parse(overrides: [
            "sync.include=sales-*, support-?", "sync.exclude=untitled-workflow*", "sync.statuses=Active,draft",
        ])
        #expect(configuration.include == ["sales-*", "support-?"])
        #expect(configuration.exclude == ["untitled-workflow*"])
        #expect(configuration.statuses == ["active", "draft"])
        let unset = try Self.parse()
        #expect(unset.include.isEmpty && unset.exclude.isEmpty && unset.statuses == nil)
    }
}
