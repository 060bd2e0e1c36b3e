import Foundation

/// The slug Kapso's Platform API derives from a name when none is given: lowercase ASCII letters and
/// digits, every other run of characters one hyphen, accents folded (`Café Menú` → `cafe-menu`).
/// Legacy flows have no slug; their folders are named this way.
public enum NameSlug {
    public static let maximumLength = 100

    public static func derive(from name: String) -> String {
        var slug = ""
        for scalar in name.decomposedStringWithCompatibilityMapping.lowercased().unicodeScalars {
            if ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) {
                slug.unicodeScalars.append(scalar)
            } else if scalar.properties.isDiacritic || scalar.properties.generalCategory == .nonspacingMark {
                continue
            } else if !slug.isEmpty && !slug.hasSuffix("-") {
                slug += "-"
            }
        }
        if slug.count > maximumLength { slug = String(slug.prefix(maximumLength)) }
        while slug.hasSuffix("-") { slug.removeLast() }
        return slug.isEmpty ? "flow" : slug
    }

    /// `slug`, or `slug-2`, `slug-3`… the first one `taken` does not hold, within the maximum length.
    public static func unique(_ slug: String, avoiding taken: (String) -> Bool) -> String {
        guard taken(slug) else { return slug }
        var number = 2
        while true {
            let suffix = "-\(number)"
            var stem = String(slug.prefix(maximumLength - suffix.count))
            while stem.hasSuffix("-") { stem.removeLast() }
            let candidate = stem + suffix
            if !taken(candidate) { return candidate }
            number += 1
        }
    }
}
