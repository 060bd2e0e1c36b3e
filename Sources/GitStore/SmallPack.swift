import Foundation

/// A pack of fewer than `maximumObjects` objects: each commit of the service writes one (`BulkWrite`),
/// and people's pushes of a hundred objects or more leave one each. Once there are many, they are
/// merged into one (`LoosePacker`), as `git gc --auto` does past `gc.autoPackLimit`: every read looks
/// in each pack, and in a pack of many commits the remote-maps are deltas of each other.
struct SmallPack {
    /// The path without `.pack` or `.idx`.
    let base: String
    let ids: [RawObjectID]
    /// The size of the pack file.
    let bytes: Int

    /// Past this many objects a pack is left as it is: the merged pack of fifty commits of 100 changed
    /// workflows holds about 10,000, a first import one per file. Merging stays bounded: a merged pack
    /// under the limit is merged again with the packs after it, until it holds this many or more.
    static let maximumObjects = 2000

    /// The suffixes of the files git keeps beside a pack: all are removed with it, the index first, so
    /// that a reader stops finding the pack before its data goes (git's `unlink_pack_path` order).
    static let removalOrder = [".idx", ".pack", ".rev", ".bitmap"]

    /// The small packs of `objects/pack`, each whole (its index reads and its pack ends with the
    /// checksum the index names). None while a multi-pack index is there (it names its packs, and a
    /// person who made one keeps their packs as they are), and never a pack with a `.keep` or
    /// `.promisor` file.
    static func list(in packDirectory: String) -> [SmallPack] {
        let names = Set((try? FileManager.default.contentsOfDirectory(atPath: packDirectory)) ?? [])
        guard !names.contains("multi-pack-index") else { return [] }
        var packs: [SmallPack] = []
        for name in names where name.hasPrefix("pack-") && name.hasSuffix(".idx") {
            let stem = String(name.dropLast(4))
            guard !names.contains(stem + ".keep"), !names.contains(stem + ".promisor") else { continue }
            let base = packDirectory + "/" + stem
            // An index holds 28 bytes per object after a 1,072-byte frame (and more for packs over
            // 2 GB): its size says which ones need reading at all.
            var index = stat()
            guard stat(base + ".idx", &index) == 0, Int(index.st_size) < 1072 + 28 * maximumObjects else { continue }
            var pack = stat()
            guard stat(base + ".pack", &pack) == 0, let ids = LoosePacker.idsInPack(base), ids.count < maximumObjects else { continue }
            packs.append(SmallPack(base: base, ids: ids, bytes: Int(pack.st_size)))
        }
        return packs.sorted { $0.base < $1.base }
    }

    /// Removes the pack's files, stopping at the first that will not go (an index left keeps its pack);
    /// whether its index and pack are gone.
    func remove() -> Bool {
        for suffix in Self.removalOrder where unlink(base + suffix) != 0 && errno != ENOENT {
            return suffix != ".idx" && suffix != ".pack"
        }
        return true
    }
}
