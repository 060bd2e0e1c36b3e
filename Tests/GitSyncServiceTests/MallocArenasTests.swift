import GitSyncComposition
import Testing

@Suite struct MallocArenasTests {
    @Test(arguments: [
        ([:], true),
        (["GLIBC_TUNABLES": ""], true),
        (["GLIBC_TUNABLES": "glibc.malloc.tcache_count=0"], true),
        (["GLIBC_TUNABLES": "glibc.malloc.arena_max=4"], false),
        (["GLIBC_TUNABLES": "glibc.malloc.top_pad=0:glibc.malloc.arena_max=8"], false),
        (["GLIBC_TUNABLES": "glibc.malloc.arena_maximum=2"], true),
        (["MALLOC_ARENA_MAX": "4"], false),
    ])
    func anOperatorsArenaSettingWins(environment: [String: String], limits: Bool) {
        #expect(MallocArenas.shouldLimit(environment: environment) == limits)
    }

    @Test func glibcTakesTheLimit() {
        #if canImport(Glibc)
            #expect(MallocArenas.limitUnlessTuned(environment: [:]))
        #endif
        #expect(!MallocArenas.limitUnlessTuned(environment: ["GLIBC_TUNABLES": "glibc.malloc.arena_max=2"]))
    }
}
