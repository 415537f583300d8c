import HeaderFile

/// Typed reads of one header section's keywords, with the reference's notion of a keyword being "defined":
/// present and not null (an empty string counts as defined).
struct HeaderKeywords {
    let section: HeaderSection

    init(_ section: HeaderSection) {
        self.section = section
    }

    func isDefined(_ keyword: String) -> Bool {
        guard let value = section[keyword] else { return false }
        return !value.isNull
    }

    /// A string value with FITS's trailing blanks removed; numbers are returned in their written form.
    func string(_ keyword: String) -> String? {
        guard let text = section[keyword]?.text else { return nil }
        var trimmed = Substring(text)
        while trimmed.last == " " { trimmed.removeLast() }
        return String(trimmed)
    }

    /// A finite number (NaN and infinities count as absent: they fill no column).
    func double(_ keyword: String) -> Double? {
        guard let value = section[keyword]?.double, value.isFinite else { return nil }
        return value
    }

    func int(_ keyword: String) -> Int64? {
        section[keyword]?.int
    }

    /// The first of `keywords` that is defined, as a string.
    func firstString(_ keywords: String...) -> String? {
        for keyword in keywords where isDefined(keyword) {
            if let value = string(keyword) { return value }
        }
        return nil
    }

    /// Keywords that contain `fragment`, with their values, in file order.
    func keywords(containing fragment: String) -> [(String, HeaderValue)] {
        section.cards.compactMap { card in
            guard let keyword = card.keyword, keyword.contains(fragment) else { return nil }
            return (keyword, card.value)
        }
    }
}
