import GitSyncConfig
import Testing

@Suite struct PullRequestLinkTests {
    @Test(arguments: [
        (
            "https://github.com/acme/flows.git", "https://github.com/acme/flows/compare/main...kapso-gitsync/conflict/support?expand=1"
        ),
        ("git@github.com:acme/flows.git", "https://github.com/acme/flows/compare/main...kapso-gitsync/conflict/support?expand=1"),
        (
            "ssh://git@github.com/acme/flows", "https://github.com/acme/flows/compare/main...kapso-gitsync/conflict/support?expand=1"
        ),
        (
            "https://x-access-token:SECRET@github.com/acme/flows.git",
            "https://github.com/acme/flows/compare/main...kapso-gitsync/conflict/support?expand=1"
        ),
        (
            "https://gitlab.example.com/team/sub/flows.git",
            "https://gitlab.example.com/team/sub/flows/-/merge_requests/new?merge_request%5Bsource_branch%5D=kapso-gitsync/conflict/support&merge_request%5Btarget_branch%5D=main"
        ),
    ])
    func knownHostsGetTheirPullRequestPage(url: String, expected: String) {
        let link = PullRequestLink.forBranch("kapso-gitsync/conflict/support", into: "main", remoteURL: url)
        #expect(link == expected)
        #expect(link?.contains("SECRET") != true, "a token in the URL is never shown")
    }

    @Test(arguments: ["/srv/git/flows.git", "file:///srv/git/flows.git", "https://git.example.com/acme/flows.git", "https://github.com/"])
    func otherServersGetNoLink(url: String) {
        #expect(PullRequestLink.forBranch("kapso-gitsync/conflict/support", into: "main", remoteURL: url) == nil)
    }
}
