/// Decides, with no I/O, what follows a write to Kapso that did not answer with success. Only a
/// refusal (4xx) says that nothing landed; after a server error, a lost answer or an unreadable one
/// the write may have landed, and its intent must stay for the next cycle to recognise it. A
/// creation's intent stays in every case where the POST may have landed: it is all that stops the
/// next cycle from creating the workflow a second time.
public enum WriteFailurePolicy {
    public enum Next: Sendable, Equatable {
        /// Kapso holds the whole write: record its form, as after a success.
        case recordLanded
        /// Kapso holds the PATCH of this very write (a retry met it): go on with the triggers.
        case continueWithTriggers
        /// Someone else's edit is in the way: a conflict; the intent goes if it cannot have landed.
        case conflict(discardIntent: Bool)
        /// Reported, and left to the next cycle; `invalid` when Kapso said the content is wrong.
        case report(invalid: Bool, discardIntent: Bool)
    }

    /// After a PATCH failed with `status` (nil: no answer, or one that could not be read). For a 409,
    /// `readBack` is what `OwnWriteRecognizer` made of Kapso's version read right after (nil: that read
    /// failed), and `bodyLanded` whether that version holds the PATCH's part of the write.
    public static func afterPatch(
        status: Int?, readBack: OwnWriteRecognizer.Outcome?, bodyLanded: Bool, asCreation: Bool
    ) -> Next {
        switch status {
        case 409?:
            switch readBack {
            case nil: return .conflict(discardIntent: false)
            case .landed?, .landedThenChangedInGit?: return .recordLanded
            case .unfinished? where bodyLanded: return .continueWithTriggers
            default: return .conflict(discardIntent: !asCreation)
            }
        case let status? where (400..<500).contains(status):
            return .report(invalid: status == 422, discardIntent: !asCreation)
        default:
            return .report(invalid: false, discardIntent: false)
        }
    }

    /// After a POST that creates a workflow failed with `status` (nil: no answer, or an unreadable one).
    public static func afterCreate(status: Int?) -> Next {
        guard let status, (400..<500).contains(status) else { return .report(invalid: false, discardIntent: false) }
        return .report(invalid: status == 422, discardIntent: true)
    }
}
