import KapsoModels
import WorkflowRepo

/// What `FetchPlanner.plan` decides from, kept with the plan it gave: the planner is a pure function,
/// so the same inputs give that plan again. Inside `run` an idle cycle's inputs are the last cycle's
/// own values (the list is not parsed again when its bytes are the same, the base and the state are
/// the ones kept); planning 10,000 workflows took 14–18 ms of each such cycle, most of it in
/// dictionary look-ups.
struct FetchPlanInputs: Sendable {
    let list: WorkflowList
    let base: RemoteMap
    let known: [String: FetchPlanner.KnownVersion]
    let fullPass: Bool
    let pending: Set<String>
    let unreadable: [String: FetchPlanner.Unreadable]

    func plan() -> FetchPlanner.Plan {
        FetchPlanner.plan(list: list, base: base, known: known, fullPass: fullPass, pending: pending, unreadable: unreadable)
    }

    /// Whether `self` are the inputs `other` were. The list counts as the same only when it is the same
    /// array (a list parsed again is another, and is planned anew), so that a cycle whose list changed
    /// does not compare 10,000 summaries field by field to find it out; the rest compares by value,
    /// which is immediate for dictionaries that share storage.
    func areThoseOf(_ other: FetchPlanInputs) -> Bool {
        Self.isSameArray(list.workflows, other.list.workflows) && list.invalid == other.list.invalid && fullPass == other.fullPass
            && pending == other.pending && unreadable == other.unreadable && known == other.known && base == other.base
    }

    /// Whether two arrays are one: the same storage (which cannot be another array's while both live).
    static func isSameArray<Element>(_ first: [Element], _ second: [Element]) -> Bool {
        first.count == second.count
            && first.withUnsafeBufferPointer { one in second.withUnsafeBufferPointer { other in one.baseAddress == other.baseAddress } }
    }
}

extension SyncEngine {
    /// The fetch plan for `inputs`: the last one when they are the inputs it was made from.
    func fetchPlan(_ inputs: FetchPlanInputs) -> FetchPlanner.Plan {
        if let last = cache.withLock({ $0.lastFetchPlan }), inputs.areThoseOf(last.inputs) { return last.plan }
        let plan = inputs.plan()
        cache.withLock { $0.lastFetchPlan = (inputs, plan) }
        return plan
    }
}
