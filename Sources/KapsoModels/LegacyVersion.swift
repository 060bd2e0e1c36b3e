/// The legacy Flows API has no `lock_version`. A flow's `updated_at` moves with every write, so it
/// stands in for one: the instant in microseconds since 1970, an integer that only grows, as Kapso's
/// `lock_version` does. Nil when the time is missing or not ISO 8601: the engine then refuses to write
/// that flow rather than write without a check.
public enum LegacyVersion {
    /// `2026-12-03T02:25:41.123456Z`, `…+01:00`, `…+0100`, with 0 to 9 digits of fraction.
    public static func lockVersion(updatedAt: String?) -> Int? {
        guard let updatedAt else { return nil }
        let bytes = Array(updatedAt.utf8)
        var position = 0
        func digits(_ count: Int) -> Int? {
            guard position + count <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[position..<(position + count)] {
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            position += count
            return value
        }
        func expect(_ character: Character) -> Bool {
            guard position < bytes.count, bytes[position] == character.asciiValue! else { return false }
            position += 1
            return true
        }
        guard let year = digits(4), expect("-"), let month = digits(2), expect("-"), let day = digits(2),
            position < bytes.count, bytes[position] == UInt8(ascii: "T") || bytes[position] == UInt8(ascii: " ")
        else { return nil }
        position += 1
        guard let hour = digits(2), expect(":"), let minute = digits(2), expect(":"), let second = digits(2),
            (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
        else { return nil }
        var micros = 0
        if expect(".") {
            var count = 0
            while position < bytes.count, bytes[position] >= UInt8(ascii: "0"), bytes[position] <= UInt8(ascii: "9") {
                if count < 6 { micros = micros * 10 + Int(bytes[position] - UInt8(ascii: "0")) }
                count += 1
                position += 1
            }
            guard count > 0, count <= 9 else { return nil }
            if count < 6 { for _ in count..<6 { micros *= 10 } }
        }
        var offsetSeconds = 0
        if !expect("Z") {
            guard position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") else { return nil }
            let sign = bytes[position] == UInt8(ascii: "-") ? -1 : 1
            position += 1
            guard let offsetHours = digits(2) else { return nil }
            _ = expect(":")
            guard let offsetMinutes = digits(2), offsetHours < 24, offsetMinutes < 60 else { return nil }
            offsetSeconds = sign * (offsetHours * 3600 + offsetMinutes * 60)
        }
        guard position == bytes.count else { return nil }
        let seconds = daysFromCivil(year: year, month: month, day: day) * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds
        return seconds * 1_000_000 + micros
    }

    /// Whether a recorded version (`lock_version` and `updated_at` of a remote-map entry) was read
    /// through the legacy API: only there is the one made from the other. A Platform `lock_version`
    /// counts writes, and is never a time in microseconds.
    public static func isLegacy(lockVersion: Int?, updatedAt: String?) -> Bool {
        guard let lockVersion else { return false }
        return Self.lockVersion(updatedAt: updatedAt) == lockVersion
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
