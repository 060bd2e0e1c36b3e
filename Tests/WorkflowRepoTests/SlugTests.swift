import Testing
import WorkflowRepo

@Suite struct SlugTests {
    @Test(arguments: ["a", "medicopay", "vigi-atencion", "flow-2", "0", String(repeating: "a", count: 100)])
    func acceptsKapsoSlugs(slug: String) throws {
        #expect(try Slug(slug).value == slug)
    }

    @Test(arguments: [
        "", "..", ".", "../etc", "a/b", "/abs", "a\\b", "UPPER", "with space", "-lead", "trail-", "dou--ble", "émoji",
        "a\u{0}b", "a\nb", ".git", "a.b", String(repeating: "a", count: 101), "ﬁ", "a_b",
    ])
    func refusesAnythingThatIsNotASafeFolderName(slug: String) {
        #expect(throws: LayoutError.self) { try Slug(slug) }
    }

    @Test func theErrorShowsHostileInputSafely() {
        let error = LayoutError.invalidSlug("../../etc/passwd\u{1B}[31m")
        #expect(error.description.contains("\"../../etc/passwd?[31m\""))
    }
}
