import Fetch
import Foundation
import Testing
import TestSupport
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// S3 through a real S3 server (`moto_server`), as the header worker reads LFA headers.
@Suite("Fetch from S3 (moto_server)")
struct S3FetchTests {
    /// Creates a bucket and an object with plain (unsigned) requests, which moto accepts by default.
    func put(_ url: String, body: Data?) async throws {
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = "PUT"
        request.httpBody = body
        let (_, response) = try await URLSession.shared.data(for: request)
        #expect((response as? HTTPURLResponse)?.statusCode == 200)
    }

    @Test func readsSignedObjectsAndWaitsForLateOnes() async throws {
        let moto = try await ExternalServer.motoServer()
        defer { moto.stop() }
        try await put(moto.baseURL + "/rubinobs-lfa-cp", body: nil)
        let key = "ATHeaderService/header/2024/08/01/ATHeaderService_header_AT_O_20240801_000302.yaml"
        try await put(moto.baseURL + "/rubinobs-lfa-cp/" + key, body: Data("PRIMARY:\n- {keyword: SEQNUM, value: 302}\n".utf8))

        let s3 = S3Settings(endpoint: moto.baseURL, region: "us-east-1", accessKeyID: "testing", secretAccessKey: "testing")
        let fetcher = Fetcher(s3: s3, retry: RetryPolicy(maxAttempts: 2, baseDelay: .milliseconds(5)), rewrite: URLRewrite())
        // The announced URL, rewritten to s3:// as the reference does, then read from the endpoint.
        let response = try await fetcher.get("https://s3.cp.lsst.org/rubinobs-lfa-cp/" + key)
        #expect(response.text == "PRIMARY:\n- {keyword: SEQNUM, value: 302}\n")

        let missing = await #expect(throws: FetchError.self) { try await fetcher.get("s3://rubinobs-lfa-cp/nope.yaml") }
        #expect(missing?.kind == .httpStatus(404))

        // An object announced before it is written: written while the fetcher polls for it.
        let lateKey = "late/header.yaml"
        async let waited = fetcher.getWhenAvailable("s3://rubinobs-lfa-cp/" + lateKey, timeout: .seconds(20), interval: .milliseconds(20))
        try await put(moto.baseURL + "/rubinobs-lfa-cp/" + lateKey, body: Data("late: true\n".utf8))
        let late = try await waited
        #expect(late.text == "late: true\n")
    }
}
