import Foundation
import GitStore
import KapsoFake
import SyncEngine
import TestSupport
import Testing

/// A cycle writes its objects as a pack of its own; a cycle that wrote objects packs the loose ones
/// and merges the small packs when the policy says so; the repository stays whole for git and for the
/// next cycles, and a damaged loose file is reported by name without failing the cycle's own work.
@Suite struct PackingCycleTests {
    static let eager = PackingPolicy(looseObjects: 1, looseBytes: .max, smallPacks: 2, bytesPerRun: .max)

    private func gitCount(_ harness: SyncHarness) async throws -> [String: Int] {
        var values: [String: Int] = [:]
        for line in try await harness.git("count-objects", "-v").split(separator: "\n") {
            let parts = line.split(separator: ":").map { $0.trimmingCharacters(in: .whitespaces) }
            if parts.count == 2, let value = Int(parts[1]) { values[parts[0]] = value }
        }
        return values
    }

    @Test func committingCyclesPackAndOthersDoNot() async throws {
        let harness = try await SyncHarness(configure: { $0.packing = Self.eager }) {
            await $0.seedGenerated(workflows: 4, nodesPerWorkflow: 6)
        }
        defer { Task { await harness.stop() } }

        // The commit's objects are one pack, not loose files; one small pack is nothing to merge.
        let first = try await harness.engine.runCycle()
        #expect(first.commit != nil && first.failures.isEmpty, "\(first.failures)")
        #expect(first.packing == nil)
        #expect(try await harness.git.looseObjectCount() == LooseObjectCount(objects: 0, bytes: 0, smallPacks: 1))
        #expect(try await gitCount(harness)["packs"] == 1)

        let idle = try await harness.engine.runCycle()
        #expect(idle.commit == nil && idle.packing == nil)
        #expect(try await gitCount(harness)["packs"] == 1)

        // A person's commit (loose, as git writes it) goes to Kapso, and the cycle commits what Kapso
        // answers in a second pack: the loose objects and both packs become one.
        _ = try await harness.personRewords("generated-1", to: "reworded in git")
        #expect(try await harness.git.looseObjectCount().objects > 0)
        let pushed = try await harness.engine.runCycle()
        #expect(pushed.pushed.count == 1 && pushed.failures.isEmpty, "\(pushed.failures)")
        let packed = try #require(pushed.packing)
        #expect(packed.packed > 0 && packed.packsMerged == 2 && packed.damaged.isEmpty)
        #expect(try await harness.git.looseObjectCount() == LooseObjectCount(objects: 0, bytes: 0, smallPacks: 1))
        #expect(try await gitCount(harness)["packs"] == 1)
        let fsck = try await runGit(["--git-dir", harness.repositoryPath, "fsck", "--full", "--strict"])
        #expect(fsck.status == 0, "\(fsck.output)")

        // A restarted engine reads everything from the packs and finds nothing to do.
        let restarted = try harness.restartedEngine()
        let again = try await restarted.runCycle()
        #expect(again.commit == nil && again.failures.isEmpty && again.pulled.isEmpty && again.pushed.isEmpty)
    }

    @Test func aDamagedLooseFileIsReportedByNameAndTheCycleStillLands() async throws {
        let harness = try await SyncHarness(configure: { $0.packing = Self.eager }) {
            await $0.seedGenerated(workflows: 3, nodesPerWorkflow: 6)
        }
        defer { Task { await harness.stop() } }
        // A loose file cut short, as a power cut leaves one: no commit refers to it.
        let folder = harness.repositoryPath + "/objects/ab"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let damaged = folder + "/" + String(repeating: "c", count: 38)
        try Data([0x78, 0x01, 0x4B]).write(to: URL(fileURLWithPath: damaged))

        let report = try await harness.engine.runCycle()
        #expect(report.commit != nil && report.pulled.count == 3)
        let failure = try #require(report.failures.first { $0.workflow == "repository" })
        #expect(failure.reason.contains(damaged), "\(failure.reason)")
        #expect(report.packing.map { $0.damaged.count == 1 } == true)
        #expect(FileManager.default.fileExists(atPath: damaged))
        #expect(try await harness.git.looseObjectCount().objects == 1)
    }

    @Test(arguments: [
        (LooseObjectCount(objects: 0, bytes: 0), false),
        (LooseObjectCount(objects: 6699, bytes: 1 << 20), false),
        (LooseObjectCount(objects: 6700, bytes: 1 << 20), true),
        (LooseObjectCount(objects: 40, bytes: (64 << 20) - 1), false),
        (LooseObjectCount(objects: 40, bytes: 64 << 20), true),
        (LooseObjectCount(objects: 9000, bytes: 100 << 20), true),
        (LooseObjectCount(objects: 0, bytes: 0, smallPacks: 49), false),
        (LooseObjectCount(objects: 0, bytes: 0, smallPacks: 50), true),
    ])
    func theStandardPolicyPacksPastEitherLimit(count: LooseObjectCount, packs: Bool) {
        #expect(PackingPolicy.standard.shouldPack(count) == packs)
    }

    @Test(arguments: [
        (PackingPolicy(looseObjects: 0, looseBytes: 64 << 20, bytesPerRun: 1), LooseObjectCount(objects: 50_000, bytes: 1 << 20), false),
        (PackingPolicy(looseObjects: 0, looseBytes: 64 << 20, bytesPerRun: 1), LooseObjectCount(objects: 1, bytes: 64 << 20), true),
        (PackingPolicy(looseObjects: 100, looseBytes: 0, bytesPerRun: 1), LooseObjectCount(objects: 99, bytes: 1 << 40), false),
        (PackingPolicy(looseObjects: 100, looseBytes: 0, bytesPerRun: 1), LooseObjectCount(objects: 100, bytes: 0), true),
        (PackingPolicy(looseObjects: 0, looseBytes: 0, bytesPerRun: 1), LooseObjectCount(objects: 1 << 30, bytes: 1 << 40), false),
        (
            PackingPolicy(looseObjects: 0, looseBytes: 0, smallPacks: 0, bytesPerRun: 1),
            LooseObjectCount(objects: 0, bytes: 0, smallPacks: 1000), false
        ),
        // One pack is nothing to merge, whatever the limit says.
        (
            PackingPolicy(looseObjects: 0, looseBytes: 0, smallPacks: 1, bytesPerRun: 1),
            LooseObjectCount(objects: 0, bytes: 0, smallPacks: 1), false
        ),
        (
            PackingPolicy(looseObjects: 0, looseBytes: 0, smallPacks: 1, bytesPerRun: 1),
            LooseObjectCount(objects: 0, bytes: 0, smallPacks: 2), true
        ),
    ])
    func aLimitOfZeroIsOff(policy: PackingPolicy, count: LooseObjectCount, packs: Bool) {
        #expect(policy.shouldPack(count) == packs)
    }

    /// A packing killed in the middle leaves libgit2's temporary pack and index: the next cycle that may
    /// write removes them, even one with nothing to do; a dry run leaves the repository as it is.
    @Test func aCycleRemovesWhatAKilledPackingLeft() async throws {
        let harness = try await SyncHarness { await $0.seedGenerated(workflows: 2, nodesPerWorkflow: 4) }
        defer { Task { await harness.stop() } }
        _ = try await harness.engine.runCycle()
        let leftovers = ["pack_git2_9505c438dd41", "pack_git2_9505c438dd41idx.lock"].map { harness.repositoryPath + "/objects/pack/" + $0 }
        for path in leftovers { try Data("partial".utf8).write(to: URL(fileURLWithPath: path)) }

        _ = try await harness.engine.runCycle(dryRun: true)
        for path in leftovers { #expect(FileManager.default.fileExists(atPath: path), "a dry run writes nothing") }
        let idle = try await harness.engine.runCycle()
        #expect(idle.commit == nil && idle.failures.isEmpty, "\(idle.failures)")
        for path in leftovers { #expect(!FileManager.default.fileExists(atPath: path)) }
    }
}
