import GitStore

/// When a cycle that wrote objects packs the repository's loose ones and merges its small packs.
///
/// git's own rule (`gc.auto`) counts objects, 6,700. That alone would let a gigabyte gather at 10,000
/// workflows, where a commit of one workflow adds seven objects but 1.5 MB (the remote-map and the
/// `workflows` tree); so bytes count too. A run packs a bounded amount, so that its time and memory do
/// not grow with how much a repository gathered before it (a repository of an older version).
public struct PackingPolicy: Sendable, Equatable {
    /// Pack once this many loose objects are there (0: no such limit).
    public var looseObjects: Int
    /// Or once their files take this much disk space, in bytes (0: no such limit).
    public var looseBytes: Int
    /// Or once this many small packs are there, one per commit (0: no such limit); git's
    /// `gc.autoPackLimit` is 50.
    public var smallPacks: Int
    /// Disk space of the loose files and small packs one run packs, at most.
    public var bytesPerRun: Int

    public init(looseObjects: Int, looseBytes: Int, smallPacks: Int = 0, bytesPerRun: Int) {
        self.looseObjects = looseObjects
        self.looseBytes = looseBytes
        self.smallPacks = smallPacks
        self.bytesPerRun = bytesPerRun
    }

    public static let standard = PackingPolicy(looseObjects: 6700, looseBytes: 64 << 20, smallPacks: 50, bytesPerRun: 256 << 20)

    public func shouldPack(_ count: LooseObjectCount) -> Bool {
        (looseObjects > 0 && count.objects >= looseObjects) || (looseBytes > 0 && count.bytes >= looseBytes)
            || (smallPacks > 0 && count.smallPacks >= max(smallPacks, 2))
    }
}
