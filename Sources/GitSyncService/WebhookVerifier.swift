import Crypto
import Foundation

/// Checks that a webhook call comes from the git host: GitHub's `X-Hub-Signature-256` (HMAC-SHA256 of
/// the body with the shared secret) or GitLab's `X-Gitlab-Token`, both compared in constant time, and
/// decides whether the event is worth a cycle. Pure: the status server feeds it headers and body.
public struct WebhookVerifier: Sendable {
    public enum Host: String, Sendable {
        case github
        case gitlab
    }

    public enum Verdict: Sendable, Equatable {
        /// Authentic, and a push to the branch the service follows.
        case trigger(String)
        /// Authentic, but nothing to sync (a ping, another branch, another event).
        case ignore(String)
        /// Not authentic: 401. The reason names the header, never the body or the secret.
        case reject(String)
        /// No secret configured for this host: the endpoint is off (404).
        case disabled
    }

    let githubSecret: String?
    let gitlabToken: String?
    let branch: String

    public init(githubSecret: String?, gitlabToken: String?, branch: String) {
        self.githubSecret = githubSecret
        self.gitlabToken = gitlabToken
        self.branch = branch
    }

    /// `headers` with lower-case names.
    public func verdict(host: Host, headers: [String: String], body: Data) -> Verdict {
        switch host {
        case .github:
            guard let secret = githubSecret else { return .disabled }
            guard let header = headers["x-hub-signature-256"] else { return .reject("no X-Hub-Signature-256 header") }
            guard header.hasPrefix("sha256="), let given = Self.bytes(ofHex: String(header.dropFirst("sha256=".count))) else {
                return .reject("X-Hub-Signature-256 is not sha256=<hex>")
            }
            let expected = Array(HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Data(secret.utf8))))
            guard Self.constantTimeEquals(given, expected) else { return .reject("X-Hub-Signature-256 does not match the body") }
            return decide(event: headers["x-github-event"], pushEvent: "push", ping: "ping", body: body)
        case .gitlab:
            guard let token = gitlabToken else { return .disabled }
            guard let given = headers["x-gitlab-token"] else { return .reject("no X-Gitlab-Token header") }
            // Both sides hashed first, so the comparison takes the same time whatever the lengths.
            let givenDigest = Array(SHA256.hash(data: Data(given.utf8)))
            let expectedDigest = Array(SHA256.hash(data: Data(token.utf8)))
            guard Self.constantTimeEquals(givenDigest, expectedDigest) else { return .reject("X-Gitlab-Token does not match") }
            return decide(event: headers["x-gitlab-event"], pushEvent: "Push Hook", ping: nil, body: body)
        }
    }

    private func decide(event: String?, pushEvent: String, ping: String?, body: Data) -> Verdict {
        if let ping, event == ping { return .ignore("ping") }
        guard event == pushEvent else { return .ignore("event \(event ?? "(none)") is not a push") }
        struct Push: Decodable { let ref: String? }
        guard let ref = (try? JSONDecoder().decode(Push.self, from: body))?.ref else {
            return .ignore("push without a ref")
        }
        guard ref == "refs/heads/\(branch)" else { return .ignore("push to \(ref), not refs/heads/\(branch)") }
        return .trigger("push to \(branch)")
    }

    public static func constantTimeEquals(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var difference: UInt8 = 0
        for index in lhs.indices { difference |= lhs[index] ^ rhs[index] }
        return difference == 0
    }

    static func bytes(ofHex hex: String) -> [UInt8]? {
        let digits = Array(hex.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        for index in stride(from: 0, to: digits.count, by: 2) {
            guard let high = nibble(digits[index]), let low = nibble(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
        }
        return bytes
    }

    private static func nibble(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
