/// The release: printed by `kapso-gitsync --version`, sent as `User-Agent: kapso-gitsync/<version>`,
/// and written into the Debian package's name.
public enum GitSyncVersion {
    public static let current = "0.5.0"
    public static var userAgent: String { "kapso-gitsync/\(current)" }
}
