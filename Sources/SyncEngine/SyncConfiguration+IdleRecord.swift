extension SyncConfiguration {
    /// Every setting a cycle decides by, one per line, for `IdleRecord`'s digest: a cycle under other
    /// settings is never taken for a repeat of one recorded under these. No secret is in it (the git
    /// server's access is read afresh for each operation and stays out). A test fails when a setting is
    /// added to `SyncConfiguration` and not here.
    public var idleRecordText: String {
        let remoteText = remote.map { "pushRounds=\($0.pushRounds) main=\($0.mainBranch ?? "-")" } ?? "none"
        let lines = [
            "branch\t\(branch)",
            "author\t\(author.name)\t\(author.email)\t\(author.time.map { "\($0.seconds)\t\($0.offsetMinutes)" } ?? "-")",
            "stateDirectory\t\(stateDirectory)",
            "fullResyncIntervalSeconds\t\(fullResyncIntervalSeconds)",
            "projectID\t\(projectID ?? "-")",
            "projectName\t\(projectName ?? "-")",
            "deletedInGit\t\(deletedInGit.rawValue)",
            "deletedInKapso\t\(deletedInKapso.rawValue)",
            "deletionBrake\t\(deletionBrake.count)\t\(deletionBrake.percent)",
            "autoMerge\t\(autoMerge)",
            "remote\t\(remoteText)",
            "filter\t\(filter.include.joined(separator: "\u{1F}"))\t\(filter.exclude.joined(separator: "\u{1F}"))\t"
                + (filter.statuses.map { $0.sorted().joined(separator: "\u{1F}") } ?? "-"),
            "root\t\(root.path)",
            "functions\t\(functions.sync)\t\(functions.deploy)",
            "packing\t\(packing.looseObjects)\t\(packing.looseBytes)\t\(packing.bytesPerRun)",
        ]
        return lines.joined(separator: "\n")
    }

    /// The stored properties `idleRecordText` covers, for the test that keeps the two together.
    public static let idleRecordProperties: Set<String> = [
        "branch", "author", "stateDirectory", "fullResyncIntervalSeconds", "projectID", "projectName", "deletedInGit",
        "deletedInKapso", "deletionBrake", "autoMerge", "remote", "filter", "root", "functions", "packing",
    ]
}
