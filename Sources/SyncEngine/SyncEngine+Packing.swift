import GitStore

extension SyncEngine {
    /// After a cycle that wrote objects: packs the loose ones and merges the small packs when
    /// `configuration.packing` says so. Nothing the cycle did depends on it; a failure leaves the
    /// objects where they were and is reported.
    func packWhenDue() async -> (outcome: PackingOutcome?, failures: [FetchPlanner.Rejection]) {
        do {
            let count = try await git.looseObjectCount()
            guard configuration.packing.shouldPack(count) else { return (nil, []) }
            let outcome = try await git.packLooseObjects(maximumBytes: configuration.packing.bytesPerRun)
            logger.notice(
                "packed loose objects",
                metadata: [
                    "gitsync.objects": "\(outcome.packed)", "gitsync.loose_bytes_removed": "\(outcome.looseBytesRemoved)",
                    "gitsync.pack_bytes": "\(outcome.packBytes)", "gitsync.left_loose": "\(outcome.leftLoose)",
                    "gitsync.packs_merged": "\(outcome.packsMerged)",
                ])
            let damaged = outcome.damaged.map {
                FetchPlanner.Rejection(workflow: "repository", reason: "\($0); `git fsck` tells whether anything needs it")
            }
            return (outcome, damaged)
        } catch {
            return (nil, [.init(workflow: "repository", reason: "packing failed, loose objects and packs stay as they were: \(error)")])
        }
    }

    /// Removes what a write of ours killed in the middle left in the repository (a packing's or a first
    /// import's temporary pack and index, the pack builder's settings file), before a cycle that may write.
    func removeAbandonedFiles() async {
        let removed = await git.removeAbandonedFiles()
        guard !removed.isEmpty else { return }
        logger.notice(
            "removed what a write killed in the middle left in the repository",
            metadata: ["gitsync.files": "\(removed.joined(separator: ", "))"])
    }
}
