/// Settings of `consdb serve`, with their documented defaults.
public struct APIConfiguration: Sendable {
    /// Path prefix of the API (the reference's `URL_PREFIX`).
    public var prefix: String = "/consdb"
    /// Tokens any one of which the write endpoints accept, as Bearer or as the password of HTTP Basic
    /// (`CONSDB_API_TOKEN`, comma-separated, and `CONSDB_API_TOKEN_FILE`); empty leaves writes open.
    public var writeTokens: [String] = []
    /// Whether every endpoint but the probes, metrics, root documents and API docs needs a token too
    /// (`CONSDB_AUTH_READS`); only meaningful with tokens.
    public var authenticateReads: Bool = false
    /// Statement timeout of `POST /consdb/query`, in seconds (`STATEMENT_TIMEOUT_SECONDS`, default 600).
    public var queryTimeoutSeconds: Double = 600
    /// Most rows `POST /consdb/query` returns (`MAX_ROWS`, default 1,000,000).
    public var queryRowCap: Int = 1_000_000
    /// Rows fetched from the cursor per batch while streaming a query result (`FETCH_SIZE`, default 10,000).
    public var queryFetchSize: Int = 10_000
    /// Largest request body accepted, in bytes (default 16 MiB).
    public var maxBodyBytes: Int = 16 << 20
    /// Most rows in one bulk insert (default 10,000).
    public var maxBulkRows: Int = 10_000
    /// Directory of the Swagger UI and Redoc files of `{prefix}/docs` and `{prefix}/redoc`
    /// (`CONSDB_DOCS_ASSETS`; `consdb serve` otherwise finds PyPI's `fastapi-offline` package, see
    /// ``DocsAssets/search()``); nil makes both pages a 503 saying what to install.
    public var docsAssetsDirectory: String?
    /// Version reported by `GET /consdb/`.
    public var version: String = ConsDBVersion.current

    public init() {}
}

public enum ConsDBVersion {
    public static let current = "0.1.0"
}

/// The observation types of the API, in the reference's order.
public enum ObservationType: String, CaseIterable, Sendable {
    case exposure, visit1, ccdexposure, ccdvisit1

    /// Parses a path value case-insensitively, or throws a 404 naming the valid ones.
    static func parse(_ text: String) throws -> ObservationType {
        guard let type = ObservationType(rawValue: text.lowercased()) else {
            throw APIError.unknown("observation type", .string(text), valid: allCases.map(\.rawValue))
        }
        return type
    }

    var flexDataTable: String { rawValue + "_flexdata" }
    var flexSchemaTable: String { rawValue + "_flexdata_schema" }
    var wideView: String { rawValue + "_wide_view" }
}
