import Crypto
import Foundation
import GitSyncService
import Testing

@Suite struct WebhookVerifierTests {
    static let secret = "It's a Secret to Everybody"
    static let verifier = WebhookVerifier(githubSecret: secret, gitlabToken: "gl-token", branch: "main")
    static let pushToMain = Data(#"{"ref":"refs/heads/main","after":"abc"}"#.utf8)

    static func signature(_ body: Data, secret: String = secret) -> String {
        "sha256="
            + HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Data(secret.utf8))).map { String(format: "%02x", $0) }
            .joined()
    }

    /// GitHub's own example from its documentation: secret, payload "Hello, World!", and the signature.
    @Test func matchesGitHubsDocumentedExample() {
        let verifier = WebhookVerifier(githubSecret: Self.secret, gitlabToken: nil, branch: "main")
        let verdict = verifier.verdict(
            host: .github,
            headers: [
                "x-hub-signature-256": "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
                "x-github-event": "ping",
            ],
            body: Data("Hello, World!".utf8))
        #expect(verdict == .ignore("ping"))
    }

    @Test(arguments: [
        ("push", signature(pushToMain), pushToMain, WebhookVerifier.Verdict.trigger("push to main")),
        (
            "push", signature(pushToMain).uppercased().replacingOccurrences(of: "SHA256=", with: "sha256="), pushToMain,
            .trigger("push to main")
        ),
        ("push", signature(pushToMain, secret: "wrong"), pushToMain, .reject("X-Hub-Signature-256 does not match the body")),
        ("push", signature(Data("other".utf8)), pushToMain, .reject("X-Hub-Signature-256 does not match the body")),
        ("push", "sha1=abcdef", pushToMain, .reject("X-Hub-Signature-256 is not sha256=<hex>")),
        ("push", "sha256=zz", pushToMain, .reject("X-Hub-Signature-256 is not sha256=<hex>")),
        ("push", "sha256=abc", pushToMain, .reject("X-Hub-Signature-256 is not sha256=<hex>")),
        ("push", "sha256=", pushToMain, .reject("X-Hub-Signature-256 does not match the body")),
        ("ping", signature(pushToMain), pushToMain, .ignore("ping")),
        ("issues", signature(pushToMain), pushToMain, .ignore("event issues is not a push")),
    ])
    func github(event: String, signature: String, body: Data, expected: WebhookVerifier.Verdict) {
        let verdict = Self.verifier.verdict(
            host: .github, headers: ["x-hub-signature-256": signature, "x-github-event": event], body: body)
        #expect(verdict == expected)
    }

    @Test func githubPushesToOtherBranchesOrWithoutARefAreIgnored() {
        let other = Data(#"{"ref":"refs/heads/feature"}"#.utf8)
        #expect(
            Self.verifier.verdict(
                host: .github, headers: ["x-hub-signature-256": Self.signature(other), "x-github-event": "push"], body: other)
                == .ignore("push to refs/heads/feature, not refs/heads/main"))
        let garbage = Data("not json".utf8)
        #expect(
            Self.verifier.verdict(
                host: .github, headers: ["x-hub-signature-256": Self.signature(garbage), "x-github-event": "push"], body: garbage)
                == .ignore("push without a ref"))
        #expect(
            Self.verifier.verdict(host: .github, headers: ["x-github-event": "push"], body: Self.pushToMain)
                == .reject("no X-Hub-Signature-256 header"))
    }

    @Test(arguments: [
        ("gl-token", "Push Hook", WebhookVerifier.Verdict.trigger("push to main")),
        ("gl-token-", "Push Hook", .reject("X-Gitlab-Token does not match")),
        ("", "Push Hook", .reject("X-Gitlab-Token does not match")),
        ("gl-token", "Tag Push Hook", .ignore("event Tag Push Hook is not a push")),
    ])
    func gitlab(token: String, event: String, expected: WebhookVerifier.Verdict) {
        #expect(
            Self.verifier.verdict(host: .gitlab, headers: ["x-gitlab-token": token, "x-gitlab-event": event], body: Self.pushToMain)
                == expected)
    }

    @Test func withoutASecretTheEndpointIsOff() {
        let off = WebhookVerifier(githubSecret: nil, gitlabToken: nil, branch: "main")
        #expect(off.verdict(host: .github, headers: [:], body: Self.pushToMain) == .disabled)
        #expect(off.verdict(host: .gitlab, headers: ["x-gitlab-token": "x"], body: Self.pushToMain) == .disabled)
    }

    @Test(arguments: [
        ([UInt8](), [UInt8](), true), ([1, 2, 3], [1, 2, 3], true), ([1, 2, 3], [1, 2, 4], false), ([1, 2], [1, 2, 3], false),
        ([0], [128], false),
    ])
    func constantTimeEquality(lhs: [UInt8], rhs: [UInt8], equal: Bool) {
        #expect(WebhookVerifier.constantTimeEquals(lhs, rhs) == equal)
    }
}
