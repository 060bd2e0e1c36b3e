import CanonicalJSON
import Testing
import WorkflowRepo

@Suite struct RemoteMapTests {
    @Test func keepsTheCLIsFieldsAndNormalisesWindowsPaths() throws {
        let text = #"""
            {"functions":{"f":{"files":{"functions\\f\\index.js":"c"},"id":"fn","lastDeployedAt":"2026-05-05T17:09:54-04:00","lockVersion":3,"slug":"f","status":"deployed","updatedAt":"2026-05-05T17:09:54-04:00"}},"version":1,"workflows":{"report-sender":{"files":{"workflows\\report-sender\\definition.json":"abc"},"generatedSource":{"hash":"h","path":"p"},"id":"wf","lockVersion":49,"slug":"report-sender","status":"active","updatedAt":"2026-05-23T21:36:43-04:00"}}}
            """#
        let map = try RemoteMap(bytes: Array(text.utf8))
        let entry = try #require(map.workflows["report-sender"])
        #expect(entry.files == ["workflows/report-sender/definition.json": "abc"])
        #expect(entry.lockVersion == 49)
        #expect(entry.extra["generatedSource"] == ["hash": "h", "path": "p"])
        #expect(map.entry(forID: "wf")?.slug == "report-sender")
        let written = try JSONParser.parse(map.canonicalBytes())
        #expect(map.function(forID: "fn")?.files == ["functions/f/index.js": "c"])
        let function = try #require(written["functions"]?["f"]?.objectValue)
        #expect(Set(function.keys) == ["files", "id", "lastDeployedAt", "lockVersion", "slug", "status", "updatedAt"])
        #expect(function["files"] == ["functions/f/index.js": "c"] && function["lastDeployedAt"] == "2026-05-05T17:09:54-04:00")
        #expect(written["workflows"]?["report-sender"]?["generatedSource"] == ["hash": "h", "path": "p"])
        #expect(try RemoteMap(bytes: map.canonicalBytes()) == map)
    }

    @Test(arguments: ["not json", "[]", #"{"workflows": []}"#, #"{"workflows": {"a": {"lockVersion": 1}}}"#])
    func aBrokenMapIsAnErrorNamingTheFile(text: String) {
        #expect {
            try RemoteMap(bytes: Array(text.utf8))
        } throws: { error in
            (error as? LayoutError)?.description.hasPrefix(".kapso/remote-map.json: ") == true
        }
    }

    /// The map is laid out by parts (entries kept from the last write): the bytes must be the canonical
    /// layout of the whole document, whatever changed, was added or removed since.
    @Test func entriesKeptFromTheLastWriteGiveTheCanonicalFile() throws {
        func entry(_ index: Int, lock: Int?) -> RemoteMap.Entry {
            RemoteMap.Entry(
                id: "id-\(index)", slug: "flow-\(index)", lockVersion: lock, status: index % 3 == 0 ? nil : "active",
                updatedAt: "2026-01-0\(index % 9 + 1)", files: ["workflows/flow-\(index)/definition.json": "h\(index)"],
                extra: index % 4 == 0 ? ["generatedSource": ["path": "a \"b\"", "n": 1]] : [:])
        }
        var map = RemoteMap(extra: ["note": "kept", "10": true])
        for index in 0..<40 { map.set(entry(index, lock: index)) }
        var written = RemoteMap.WrittenEntries()
        var versions = [map]
        _ = map.canonicalBytes(reusing: &written)
        map.set(entry(3, lock: 99))
        map.remove(slug: "flow-7")
        map.set(entry(77, lock: nil))
        map.setFunction(RemoteMap.Entry(id: "fn", slug: "fn", lockVersion: 1, status: "deployed", updatedAt: nil, files: [:]))
        versions.append(map)
        map = RemoteMap()
        versions.append(map)
        for version in versions {
            let bytes = version.canonicalBytes(reusing: &written)
            #expect(bytes == CanonicalJSONWriter.canonicalBytes(try JSONParser.parse(bytes)))
            #expect(bytes == version.canonicalBytes())
            #expect(try RemoteMap(bytes: bytes).workflows == version.workflows)
        }
        #expect(String(decoding: RemoteMap().canonicalBytes(), as: UTF8.self) == "{\n  \"version\": 1,\n  \"workflows\": {}\n}\n")
    }

    @Test func hashesAreSHA256OfTheBytes() {
        #expect(FileHash.sha256(Array("version: 1\n".utf8)) == "09bfcc6a14b83e2192b8673677725c84883ee9cd0c70e45c9ec09daa8f2b2847")
        #expect(FileHash.sha256([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }
}
