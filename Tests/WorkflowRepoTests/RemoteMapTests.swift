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
    private static func entry(_ index: Int, lock: Int?) -> RemoteMap.Entry {
        RemoteMap.Entry(
            id: "id-\(index)", slug: "flow-\(index)", lockVersion: lock, status: index % 3 == 0 ? nil : "active",
            updatedAt: index % 5 == 0 ? nil : "2026-01-0\(index % 9 + 1)", files: ["workflows/flow-\(index)/definition.json": "h\(index)"],
            extra: index % 4 == 0 ? ["generatedSource": ["path": "a \"b\"", "n": 1]] : [:])
    }

    /// Entries of every shape: with and without the optional members, with members of every kind beside
    /// the ones the writer lays out itself (in the order JavaScript gives).
    private static func sampleMap() -> RemoteMap {
        var odd = entry(0, lock: -2)
        odd.extra = ["0": [1, ["z": nil, "a": .number(JSONNumber(literal: "2.5"))]], "Zed": "é \u{1F600}\n", "zz": [:]]
        odd.files = ["workflows/flow-0/a \"q\".json": "h", "workflows/flow-0/10": "", "workflows/flow-0/é": "x"]
        var map = RemoteMap(extra: ["note": "kept", "10": true])
        for index in 1..<40 { map.set(entry(index, lock: index)) }
        map.set(odd)
        return map
    }

    /// What a cycle does to a map: an entry changed, one removed, one added, a function recorded.
    private static func changed(_ map: RemoteMap) -> RemoteMap {
        var map = map
        map.set(entry(3, lock: 99))
        map.remove(slug: "flow-7")
        map.set(entry(77, lock: nil))
        map.setFunction(RemoteMap.Entry(id: "fn", slug: "fn", lockVersion: 1, status: "deployed", updatedAt: nil, files: [:]))
        return map
    }

    @Test func entriesKeptFromTheLastWriteGiveTheCanonicalFile() throws {
        var map = Self.sampleMap()
        var written = RemoteMap.WrittenEntries()
        var versions = [map]
        _ = map.canonicalBytes(reusing: &written)
        map = Self.changed(map)
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

    /// A map read from bytes this writer laid out keeps each entry's bytes: written again after a cycle's
    /// changes, it must still be the canonical file. Bytes of another shape keep nothing.
    @Test func entriesKeptFromTheBytesReadGiveTheCanonicalFile() throws {
        let map = Self.sampleMap()
        let bytes = map.canonicalBytes()
        var laidOut = RemoteMap.WrittenEntries()
        let read = try RemoteMap(bytes: bytes, laidOut: &laidOut)
        #expect(read.workflows == map.workflows && !laidOut.isEmpty)
        var unchanged = laidOut
        #expect(read.canonicalBytes(reusing: &unchanged) == bytes)
        let next = Self.changed(read)
        #expect(next.canonicalBytes(reusing: &laidOut) == next.canonicalBytes())
        #expect(next.canonicalBytes(reusing: &laidOut) == next.canonicalBytes())

        let duplicated = Array(#"{"workflows":{"a":{"id":"1"},"a":{"id":"2"}}}"#.utf8)
        var none = RemoteMap.WrittenEntries()
        #expect(try RemoteMap(bytes: duplicated, laidOut: &none) == RemoteMap(bytes: duplicated))
        #expect(none.isEmpty)
    }

    /// The map is read member by member, straight into entries; it must give what reading the parsed
    /// document gives, and leave every file it does not take to that reading (which names the fault).
    @Test(arguments: [
        #"{"version":1,"workflows":{}}"#,
        #"{"workflows":{"a":{"id":"1","slug":"b","lockVersion":3,"status":"active","updatedAt":"t","files":{"w\\a\\x.json":"h"}}},"functions":{}}"#,
        #"{"workflows":{"a":{"id":"1","lockVersion":3.0,"status":7,"files":[],"sourceFile":{"path":"w\\a.js"},"x":[1,{"y":null}]}},"z":true}"#,
        #"{"workflows":{"a":{"id":"1","files":{"p":1,"q":null}},"b":{"id":"2","lockVersion":null,"slug":null}}}"#,
        #" { "functions" : { "f" : { "id" : "fn" , "files" : { } } } , "workflows" : { } } "#,
        #"{"workflows":{"a":{"id":"1"},"a":{"id":"2"}}}"#,
        #"{"workflows":{"a":{"id":"1","id":"2"}}}"#,
        #"{"workflows":{"a":{"id":"1","files":{"x\\y":"1","x/y":"2"}}}}"#,
        #"{"workflows":{},"workflows":{"a":{"id":"1"}}}"#,
        #"{"workflows":{"a":{"id":"1","extra":1,"extra":2}}}"#,
        #"{"workflows":{"a":{"id":1}}}"#,
        #"{"workflows":{"a":[]}}"#,
        #"{"workflows":null}"#,
        #"{"functions":null,"workflows":{}}"#,
        #"{"workflows":{"a":{"id":"1"}}} x"#,
        #"{"workflows":{"a":{"id":"\ud800"}}}"#,
        "[]", "", "\u{FEFF}{}",
    ])
    func readingMemberByMemberGivesWhatTheDocumentGives(text: String) {
        let bytes = Array(text.utf8)
        func outcome(_ read: () throws -> RemoteMap) -> (map: RemoteMap?, error: String?) {
            do { return (try read(), nil) } catch { return (nil, "\(error)") }
        }
        let direct = outcome { try RemoteMap(bytes: bytes) }
        let viaDocument = outcome { try RemoteMap(document: try JSONParser.parse(bytes)) }
        switch (direct, viaDocument) {
        case ((let map?, nil), (let expected?, nil)):
            #expect(map == expected)
            #expect(map.canonicalBytes() == expected.canonicalBytes())
        case ((nil, let error?), (nil, let expected?)):
            // Not JSON: the document is not made at all, and its parse error carries no file name.
            #expect(error.hasPrefix(".kapso/remote-map.json: "))
            if !expected.hasPrefix("invalid JSON") { #expect(error == expected) }
        default:
            Issue.record("member by member: \(direct); as a document: \(viaDocument)")
        }
    }

    @Test func hashesAreSHA256OfTheBytes() {
        #expect(FileHash.sha256(Array("version: 1\n".utf8)) == "09bfcc6a14b83e2192b8673677725c84883ee9cd0c70e45c9ec09daa8f2b2847")
        #expect(FileHash.sha256([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }
}
