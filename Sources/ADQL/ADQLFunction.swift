/// The functions a query may call: ADQL 2.1's mathematical, trigonometric, string, conditional and
/// geometric functions. Anything else is refused by name, so no PostgreSQL function is reachable.
enum ADQLFunction {
    /// Name (upper case) → accepted argument counts.
    static let arity: [String: ClosedRange<Int>] = [
        "ABS": 1...1, "CEILING": 1...1, "DEGREES": 1...1, "EXP": 1...1, "FLOOR": 1...1, "LOG": 1...1,
        "LOG10": 1...1, "MOD": 2...2, "PI": 0...0, "POWER": 2...2, "RADIANS": 1...1, "RAND": 0...0,
        "ROUND": 1...2, "SQRT": 1...1, "TRUNCATE": 1...2,
        "ACOS": 1...1, "ASIN": 1...1, "ATAN": 1...1, "ATAN2": 2...2, "COS": 1...1, "COT": 1...1,
        "SIN": 1...1, "TAN": 1...1,
        "LOWER": 1...1, "UPPER": 1...1,
        "COALESCE": 1...Int.max,
        "POINT": 2...3, "CIRCLE": 2...4, "BOX": 3...5, "POLYGON": 3...Int.max,
        "CONTAINS": 2...2, "INTERSECTS": 2...2, "DISTANCE": 2...4, "AREA": 1...1,
        "COORD1": 1...1, "COORD2": 1...1, "COORDSYS": 1...1, "CENTROID": 1...1,
    ]

    /// The aggregate (set) functions.
    static let aggregates: Set<String> = ["COUNT", "SUM", "AVG", "MIN", "MAX"]

    /// ADQL functions this service does not offer, with the reason given to the user.
    static let unsupported: [String: String] = [
        "REGION": "REGION is deprecated in ADQL 2.1 and not offered",
        "IN_UNIT": "unit conversion is not offered",
    ]

    /// The geometry functions, translated onto pgSphere.
    static let geometryNames: Set<String> = [
        "POINT", "CIRCLE", "BOX", "POLYGON", "CONTAINS", "INTERSECTS", "DISTANCE", "AREA", "COORD1", "COORD2",
        "COORDSYS", "CENTROID",
    ]
}
