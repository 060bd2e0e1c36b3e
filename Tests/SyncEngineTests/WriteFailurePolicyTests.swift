import SyncEngine
import Testing

@Suite struct WriteFailurePolicyTests {
    struct PatchCase: Sendable, CustomTestStringConvertible {
        let name: String
        let status: Int?
        var readBack: OwnWriteRecognizer.Outcome? = nil
        var bodyLanded = false
        var asCreation = false
        let expected: WriteFailurePolicy.Next
        var testDescription: String { name }
    }

    static let patchCases: [PatchCase] = [
        PatchCase(name: "409, Kapso holds the whole write (a retry met it)", status: 409, readBack: .landed, expected: .recordLanded),
        PatchCase(
            name: "409, Kapso holds the PATCH, not the triggers", status: 409, readBack: .unfinished, bodyLanded: true,
            expected: .continueWithTriggers),
        PatchCase(
            name: "409, only a creation's POST is in Kapso", status: 409, readBack: .unfinished, bodyLanded: false, asCreation: true,
            expected: .conflict(discardIntent: false)),
        PatchCase(name: "409, someone else's edit", status: 409, readBack: .notOurs, expected: .conflict(discardIntent: true)),
        PatchCase(
            name: "409 on a creation, someone else's edit: the POST landed, the intent stays", status: 409, readBack: .notOurs,
            asCreation: true, expected: .conflict(discardIntent: false)),
        PatchCase(name: "409, Kapso could not be read back", status: 409, expected: .conflict(discardIntent: false)),
        PatchCase(name: "422: Kapso refuses the content", status: 422, expected: .report(invalid: true, discardIntent: true)),
        PatchCase(name: "403: refused", status: 403, expected: .report(invalid: false, discardIntent: true)),
        PatchCase(
            name: "422 on a creation's PATCH: the POST landed", status: 422, asCreation: true,
            expected: .report(invalid: true, discardIntent: false)),
        PatchCase(name: "500: may have landed", status: 500, expected: .report(invalid: false, discardIntent: false)),
        PatchCase(name: "no answer: may have landed", status: nil, expected: .report(invalid: false, discardIntent: false)),
    ]

    @Test(arguments: patchCases)
    func afterAPatch(_ testCase: PatchCase) {
        let next = WriteFailurePolicy.afterPatch(
            status: testCase.status, readBack: testCase.readBack, bodyLanded: testCase.bodyLanded, asCreation: testCase.asCreation)
        #expect(next == testCase.expected)
    }

    @Test(arguments: [
        (422, WriteFailurePolicy.Next.report(invalid: true, discardIntent: true)),
        (409, .report(invalid: false, discardIntent: true)),
        (500, .report(invalid: false, discardIntent: false)),
        (503, .report(invalid: false, discardIntent: false)),
    ])
    func afterAPost(status: Int, expected: WriteFailurePolicy.Next) {
        #expect(WriteFailurePolicy.afterCreate(status: status) == expected)
    }

    @Test func afterAPostWithNoAnswerTheIntentStays() {
        #expect(WriteFailurePolicy.afterCreate(status: nil) == .report(invalid: false, discardIntent: false))
    }
}
