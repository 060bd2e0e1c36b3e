import Crypto

/// The sha256 of a file's bytes in lower-case hex, as the CLI records it in `remote-map.json`.
public enum FileHash {
    public static func sha256(_ bytes: [UInt8]) -> String {
        SHA256.hash(data: bytes).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 0x10 ? "0" + hex : hex
        }.joined()
    }
}
