internal import CLibgit2
import Foundation

/// The state libgit2's C callbacks reach through their payload pointer, for one fetch or push.
final class RemoteCallbackState {
    let access: RemoteAccess
    let host: String
    let port: Int
    var credentialAttempts = 0
    /// Why the last callback refused, in words a person can act on; replaces libgit2's message.
    var failure: String?
    /// `refs/heads/x` → the server's reason, for references the server refused (hooks, protection).
    var rejected: [String: String] = [:]
    var sshKeyOffered = false
    /// Run once the server's references are known and before the update commands are sent: where a
    /// test has a person push in between (`GitStore.setPushInterleaving`).
    var beforeUpdate: (() -> Void)?
    /// Told of every sign of progress, for a network remote.
    var watch: StalledConnectionWatch?

    init(access: RemoteAccess, beforeUpdate: (() -> Void)? = nil) {
        self.access = access
        self.beforeUpdate = beforeUpdate
        (host, port) = Self.hostAndPort(access.url)
    }

    /// Host and port of `ssh://user@host:port/path`, `user@host:path` or `https://host/path`.
    static func hostAndPort(_ url: String) -> (String, Int) {
        if let scheme = url.range(of: "://") {
            let rest = url[scheme.upperBound...]
            var authority = rest[..<(rest.firstIndex(of: "/") ?? rest.endIndex)]
            if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
            let defaultPort = url.hasPrefix("ssh") ? 22 : url.hasPrefix("https") ? 443 : 80
            if authority.hasPrefix("["), let close = authority.firstIndex(of: "]") {
                let host = String(authority[authority.index(after: authority.startIndex)..<close])
                let port = Int(authority[authority.index(after: close)...].dropFirst()) ?? defaultPort
                return (host, port)
            }
            if let colon = authority.lastIndex(of: ":") {
                return (String(authority[..<colon]), Int(authority[authority.index(after: colon)...]) ?? defaultPort)
            }
            return (String(authority), defaultPort)
        }
        // scp-like: user@host:path
        var authority = url[..<(url.firstIndex(of: ":") ?? url.endIndex)]
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        return (String(authority), 22)
    }
}

let credentialCallback: git_credential_acquire_cb = { out, _, usernameFromURL, allowedTypes, payload in
    guard let out, let payload else { return GIT_EUSER.rawValue }
    let state = Unmanaged<RemoteCallbackState>.fromOpaque(payload).takeUnretainedValue()
    state.credentialAttempts += 1
    // libgit2 asks again after every refusal; a wrong credential must end, not loop.
    guard state.credentialAttempts <= 3 else {
        state.failure = state.failure ?? "the server refused the credentials"
        return GIT_EAUTH.rawValue
    }
    let allowed = allowedTypes
    if allowed & GIT_CREDENTIAL_SSH_KEY.rawValue != 0, let keyPath = state.access.sshPrivateKeyPath {
        let user = usernameFromURL.map { String(cString: $0) } ?? "git"
        if state.sshKeyOffered {
            state.failure = "the SSH server refused the key \(keyPath) for user \(user)" + RemoteCallbackState.rsaHint(keyPath)
            return GIT_EAUTH.rawValue
        }
        state.sshKeyOffered = true
        return git_credential_ssh_key_new(out, user, nil, keyPath, state.access.sshPassphrase)
    }
    if allowed & GIT_CREDENTIAL_USERNAME.rawValue != 0 {
        let user = usernameFromURL.map { String(cString: $0) } ?? "git"
        return git_credential_username_new(out, user)
    }
    if allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT.rawValue != 0 {
        guard let token = state.access.httpsToken else {
            state.failure = "the server asks for credentials and no token is configured"
            return GIT_EAUTH.rawValue
        }
        if state.credentialAttempts > 1 {
            state.failure = "the server refused the token (wrong, expired or without access to the repository)"
            return GIT_EAUTH.rawValue
        }
        return git_credential_userpass_plaintext_new(out, state.access.httpsUsername, token)
    }
    state.failure = "the server asks for a kind of credential that is not configured"
    return GIT_EAUTH.rawValue
}

extension RemoteCallbackState {
    /// libssh2 1.10 signs RSA keys with SHA-1 only, which GitHub and OpenSSH 8.8+ refuse.
    static func rsaHint(_ keyPath: String) -> String {
        guard let text = try? String(contentsOfFile: keyPath, encoding: .utf8) else { return "" }
        let isRSA =
            text.contains("BEGIN RSA PRIVATE KEY")
            || (try? String(contentsOfFile: keyPath + ".pub", encoding: .utf8))?.hasPrefix("ssh-rsa") == true
        return isRSA
            ? ": it is an RSA key, which libssh2 1.10 can sign only with SHA-1, refused by GitHub and modern OpenSSH; use an ed25519 or ECDSA key"
            : ""
    }
}

let certificateCallback: git_transport_certificate_check_cb = { cert, valid, host, payload in
    guard let cert, let payload else { return GIT_EUSER.rawValue }
    let state = Unmanaged<RemoteCallbackState>.fromOpaque(payload).takeUnretainedValue()
    guard cert.pointee.cert_type == GIT_CERT_HOSTKEY_LIBSSH2 else {
        // TLS: libgit2 has checked the chain against the system's CAs; only say why it failed.
        if valid == 0 { state.failure = "the server's TLS certificate is not trusted" }
        return valid != 0 ? 0 : GIT_ECERTIFICATE.rawValue
    }
    let hostKey = UnsafeRawPointer(cert).assumingMemoryBound(to: git_cert_hostkey.self).pointee
    guard hostKey.type.rawValue & GIT_CERT_SSH_RAW.rawValue != 0, let raw = hostKey.hostkey else {
        state.failure = "the SSH server's host key could not be read"
        return GIT_ECERTIFICATE.rawValue
    }
    let blob = [UInt8](UnsafeRawBufferPointer(start: raw, count: hostKey.hostkey_len))
    let name = host.map { String(cString: $0) } ?? state.host
    guard let verify = state.access.verifySSHHostKey else {
        state.failure = "no known_hosts file is configured (remote.known_hosts_file): the host key of \(name) cannot be verified"
        return GIT_ECERTIFICATE.rawValue
    }
    switch verify(name, state.port, blob) {
    case .trusted:
        return 0
    case .unknownHost:
        state.failure =
            "\(name) is not in the known_hosts file: add its host key (ssh-keyscan, checked against the host's published fingerprint)"
        return GIT_ECERTIFICATE.rawValue
    case .mismatch:
        state.failure = "the host key of \(name) does not match the known_hosts file: refusing to connect (a changed key or an impostor)"
        return GIT_ECERTIFICATE.rawValue
    }
}

let pushNegotiationCallback: git_push_negotiation = { _, _, payload in
    guard let payload else { return 0 }
    let state = Unmanaged<RemoteCallbackState>.fromOpaque(payload).takeUnretainedValue()
    if let beforeUpdate = state.beforeUpdate {
        state.beforeUpdate = nil
        beforeUpdate()
    }
    return 0
}

let pushUpdateReferenceCallback: git_push_update_reference_cb = { reference, status, payload in
    guard let reference, let payload else { return 0 }
    let state = Unmanaged<RemoteCallbackState>.fromOpaque(payload).takeUnretainedValue()
    if let status {
        state.rejected[String(cString: reference)] = String(cString: status)
    }
    return 0
}

/// Every progress callback libgit2 offers, so that a transfer that moves is never taken for a stalled one.
let transferProgressCallback: git_indexer_progress_cb = { _, payload in noteProgress(payload) }
let sidebandProgressCallback: git_transport_message_cb = { _, _, payload in noteProgress(payload) }
let pushTransferProgressCallback: git_push_transfer_progress_cb = { _, _, _, payload in noteProgress(payload) }
let packProgressCallback: git_packbuilder_progress = { _, _, _, payload in noteProgress(payload) }

/// Tells the operation's watch (when it has one) that data moved; 0: go on.
private func noteProgress(_ payload: UnsafeMutableRawPointer?) -> Int32 {
    guard let payload else { return 0 }
    Unmanaged<RemoteCallbackState>.fromOpaque(payload).takeUnretainedValue().watch?.progress()
    return 0
}
