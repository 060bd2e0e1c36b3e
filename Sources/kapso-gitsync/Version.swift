/// The release, printed by `kapso-gitsync --version` and written into the Debian package's name.
enum Version {
    static let current = "0.5.0"
}
