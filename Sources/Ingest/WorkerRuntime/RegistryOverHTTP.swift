import Avro
import Fetch

extension SchemaRegistryClient {
    /// A registry client that talks HTTP through libcurl (``registryTransport(fetcher:)``).
    public static func overHTTP(
        configuration: SchemaRegistryConfiguration, decoder: AvroDecoder = AvroDecoder(),
        fetcher: Fetcher = .forSchemaRegistry()
    ) -> SchemaRegistryClient {
        SchemaRegistryClient(configuration: configuration, decoder: decoder, transport: registryTransport(fetcher: fetcher))
    }
}

extension Fetcher {
    /// A fetcher suited to registry lookups: connect timeout 5 s, whole request 15 s, answers up to
    /// 16 MiB, and no retries of its own, since ``SchemaRegistryClient`` retries with its own back-off
    /// (retrying in both layers would multiply the attempts).
    public static func forSchemaRegistry() -> Fetcher {
        var template = FetchRequest(url: "")
        template.connectTimeout = .seconds(5)
        template.totalTimeout = .seconds(15)
        template.maxBodyBytes = 16 << 20
        return Fetcher(retry: .none, template: template)
    }
}

/// A ``RegistryTransport`` performed by `fetcher`: one GET with the request's headers (Accept, and
/// Authorization when basic auth is configured) added to the fetcher's template, without Fetch-level
/// retries.
///
/// Any HTTP answer is returned as (status, body), so the registry client decides what a 404 or a 503
/// means; only the absence of an answer (connection refused, timeout, an oversized or unreadable
/// answer, a URL that is not http(s)) is thrown.
///
public func registryTransport(fetcher: Fetcher = .forSchemaRegistry()) -> RegistryTransport {
    { request in try await registryAnswer(to: request, fetcher: fetcher) }
}

private func registryAnswer(to request: RegistryRequest, fetcher: Fetcher) async throws(FetchError) -> (status: Int, body: [UInt8]) {
    guard request.url.hasPrefix("http://") || request.url.hasPrefix("https://") else {
        // Fetcher also reads file:// and s3:// URLs; a registry URL must not reach those.
        throw FetchError(.unsupportedURL, url: request.url, message: "the schema registry URL must be http:// or https://")
    }
    var fetch = fetcher.template
    fetch.url = request.url
    fetch.method = .get
    fetch.headers += request.headers.map { ($0.name, $0.value) }
    do {
        let response = try await fetcher.perform(fetch, retry: .none)
        return (response.status, response.body)
    } catch {
        if case .httpStatus(let status) = error.kind { return (status, error.body) }
        throw error
    }
}
