import KapsoModels

/// Slugs for flows, which have none: the repository's folder for a flow it knows, else one derived
/// from the flow's name and made unique. Once given, a flow keeps its slug in this process; the
/// engine records it in the remote-map, so it outlives the process, and a rename in Kapso does not
/// move the folder. A pure value; `LegacyFlowsClient` keeps one behind a lock.
public struct LegacySlugBook: Sendable, Equatable {
    public private(set) var slugByID: [String: String] = [:]
    /// Folders of creations not yet recorded, by the name sent.
    private var creatingByName: [String: String] = [:]

    public init() {}

    /// The repository's folders win: a slug given in memory to a flow the repository does not know
    /// is kept only while no known flow uses it.
    public mutating func remember(_ known: [String: String], creatingByName: [String: String] = [:]) {
        self.creatingByName = creatingByName
        let knownSlugs = Set(known.values)
        var merged = known
        for (id, slug) in slugByID where known[id] == nil && !knownSlugs.contains(slug) { merged[id] = slug }
        slugByID = merged
    }

    /// The slug of a flow, given now from its name when it has none yet.
    public mutating func slug(forID id: String, name: String) -> String {
        if let slug = slugByID[id] { return slug }
        let taken = Set(slugByID.values)
        // A flow this service created whose answer was lost: the folder it was created from.
        if let folder = creatingByName.removeValue(forKey: name), !taken.contains(folder) {
            slugByID[id] = folder
            return folder
        }
        let slug = NameSlug.unique(NameSlug.derive(from: name), avoiding: taken.contains)
        slugByID[id] = slug
        return slug
    }

    /// A slug the engine wrote (a created flow, a folder moved in git).
    public mutating func record(id: String, slug: String) {
        slugByID[id] = slug
    }
}
