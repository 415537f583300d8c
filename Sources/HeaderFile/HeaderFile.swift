/// One record of a header section: a FITS keyword, its value and comment. Section-title records have no
/// keyword (HeaderService writes `keyword: null`).
public struct HeaderCard: Sendable, Equatable {
    public var keyword: String?
    public var value: HeaderValue
    public var comment: String?

    public init(keyword: String?, value: HeaderValue, comment: String? = nil) {
        self.keyword = keyword
        self.value = value
        self.comment = comment
    }
}

/// A named section of a header file (`PRIMARY`, `R22S11_PRIMARY`, `R00S00_Segment10`, ...): its cards in
/// file order, with keyword lookup.
public struct HeaderSection: Sendable {
    public let name: String
    public let cards: [HeaderCard]
    /// Card index of each keyword's first occurrence (COMMENT and HISTORY repeat).
    private let index: [String: Int]

    public init(name: String, cards: [HeaderCard]) {
        self.name = name
        self.cards = cards
        var index: [String: Int] = [:]
        index.reserveCapacity(cards.count)
        for (position, card) in cards.enumerated() {
            if let keyword = card.keyword, index[keyword] == nil { index[keyword] = position }
        }
        self.index = index
    }

    /// The value of `keyword`'s first card; nil when the keyword is absent (a present keyword with a null
    /// value gives `.null`).
    public subscript(keyword: String) -> HeaderValue? {
        index[keyword].map { cards[$0].value }
    }

    /// Every keyword present, in file order, without repeats.
    public var keywords: [String] {
        cards.enumerated().compactMap { position, card in
            guard let keyword = card.keyword, index[keyword] == position else { return nil }
            return keyword
        }
    }
}

/// A HeaderService header file: a YAML mapping from section name to a list of `{keyword, value, comment}`
/// records, in file order.
public struct HeaderFile: Sendable {
    public let sections: [HeaderSection]

    public init(sections: [HeaderSection]) {
        self.sections = sections
    }

    public func section(_ name: String) -> HeaderSection? {
        sections.first { $0.name == name }
    }

    /// The image-wide section.
    public var primary: HeaderSection? { section("PRIMARY") }

    /// One section per sensor (`R22S11_PRIMARY`, ...), in file order: every section named `<sensor>_PRIMARY`.
    public var sensorSections: [HeaderSection] {
        sections.filter { $0.name.hasSuffix("_PRIMARY") && $0.name != "PRIMARY" }
    }

    /// Parses the YAML text of a header file. See ``HeaderParser``.
    public static func parse(_ bytes: [UInt8], limits: HeaderLimits = HeaderLimits()) throws(HeaderFileError) -> HeaderFile {
        try HeaderParser(limits: limits).parse(bytes)
    }
}

/// Bounds on what a header file may hold, so hostile input fails instead of filling memory.
public struct HeaderLimits: Sendable {
    /// Largest file accepted (default 32 MiB; a 205-sensor LSSTCam header is under 1 MiB).
    public var maximumBytes: Int
    public var maximumSections: Int
    public var maximumCards: Int
    /// Longest single value or keyword (default 64 KiB).
    public var maximumScalarBytes: Int

    public init(maximumBytes: Int = 32 << 20, maximumSections: Int = 20_000, maximumCards: Int = 1_000_000, maximumScalarBytes: Int = 64 << 10) {
        self.maximumBytes = maximumBytes
        self.maximumSections = maximumSections
        self.maximumCards = maximumCards
        self.maximumScalarBytes = maximumScalarBytes
    }
}

/// Why a header file could not be read: what was wrong and on which line.
public struct HeaderFileError: Error, Sendable, CustomStringConvertible, Equatable {
    public var message: String
    /// 1-based line of the problem; 0 when it concerns the whole file.
    public var line: Int

    public init(_ message: String, line: Int = 0) {
        self.message = message
        self.line = line
    }

    public var description: String {
        line > 0 ? "header line \(line): \(message)" : "header: \(message)"
    }
}
