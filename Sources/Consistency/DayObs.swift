import Foundation

/// An observing day, `YYYYMMDD`: the UTC date twelve hours earlier (Rubin's rollover at 12:00 UTC, so a
/// night's exposures share one day). The day runs from 12:00 UTC of its date to 12:00 UTC of the next.
public struct DayObs: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let value: Int
    public let year: Int
    public let month: Int
    public let day: Int

    /// Parses exactly eight digits naming a real calendar date from 1970 to 2999; nil otherwise.
    public init?(_ text: some StringProtocol) {
        guard text.utf8.count == 8, text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let value = Int(text) else { return nil }
        self.init(value: value)
    }

    public init?(value: Int) {
        let year = value / 10000, month = value / 100 % 100, day = value % 100
        guard (1970...2999).contains(year), (1...12).contains(month), day >= 1, day <= Self.daysIn(month: month, year: year) else { return nil }
        self.value = value
        self.year = year
        self.month = month
        self.day = day
    }

    public var description: String { String(value) }

    public static func < (lhs: DayObs, rhs: DayObs) -> Bool { lhs.value < rhs.value }

    /// The observing day `date` falls in.
    public static func containing(_ date: Date) -> DayObs {
        let parts = utcCalendar.dateComponents([.year, .month, .day], from: date.addingTimeInterval(-rollover))
        return DayObs(value: parts.year! * 10000 + parts.month! * 100 + parts.day!)!
    }

    /// The observing day before the one in progress at `date`: what the daily check looks at by default.
    public static func previous(to date: Date) -> DayObs {
        containing(date.addingTimeInterval(-86_400))
    }

    /// Where the day starts: 12:00 UTC of its date.
    public var start: Date {
        Self.utcCalendar.date(from: DateComponents(year: year, month: month, day: day, hour: 12))!
    }

    /// Where it ends: 12:00 UTC of the next date.
    public var end: Date { start.addingTimeInterval(86_400) }

    /// The rollover: an observing day starts twelve hours after its UTC midnight.
    static let rollover: TimeInterval = 12 * 3600

    static let utcCalendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// The instant as PostgreSQL timestamptz text (UTC).
    static func timestampText(_ date: Date) -> String {
        let parts = utcCalendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(format: "%04d-%02d-%02d %02d:%02d:%02d+00", parts.year!, parts.month!, parts.day!, parts.hour!, parts.minute!, parts.second!)
    }
}
