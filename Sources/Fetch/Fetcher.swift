import Dispatch
import Logging

/// Reads `http(s)://`, `file://` and `s3://bucket/key` URLs through libcurl, with timeouts, retries
/// with back-off, and waiting for an object that is announced before it is readable.
///
/// Transfers block inside libcurl, so they run on the fetcher's own dispatch queue, never on Swift's
/// cooperative pool.
public struct Fetcher: Sendable {
    public var s3: S3Settings?
    public var retry: RetryPolicy
    public var rewrite: URLRewrite?
    /// Template for every request: timeouts, body limit, extra headers.
    public var template: FetchRequest
    let logger: Logger

    public init(s3: S3Settings? = nil, retry: RetryPolicy = RetryPolicy(), rewrite: URLRewrite? = nil,
                template: FetchRequest = FetchRequest(url: ""), logger: Logger = Logger(label: "consdb.fetch")) {
        self.s3 = s3
        self.retry = retry
        self.rewrite = rewrite
        self.template = template
        self.logger = logger
    }

    /// The request a URL turns into: rewritten, and for `s3://` addressed to the endpoint and signed.
    public func request(for url: String) throws(FetchError) -> FetchRequest {
        let target = rewrite?.apply(url) ?? url
        if target.hasPrefix("s3://") {
            guard let location = FetchURL.s3Location(target) else {
                throw FetchError(.unsupportedURL, url: target, message: "expected s3://bucket/key")
            }
            guard let s3 else {
                throw FetchError(.configuration, url: target, message: "S3 is not configured: set S3_ENDPOINT_URL, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
            }
            return s3.request(bucket: location.bucket, key: location.key, from: template)
        }
        guard target.hasPrefix("http://") || target.hasPrefix("https://") || target.hasPrefix("file://") else {
            throw FetchError(.unsupportedURL, url: target, message: "only http, https, file and s3 URLs are fetched")
        }
        var request = template
        request.url = target
        return request
    }

    /// GETs `url`; succeeds only with a 2xx status. Retries failures that may pass (transport errors,
    /// timeouts, 429, 5xx) per ``retry``.
    public func get(_ url: String) async throws(FetchError) -> FetchResponse {
        try await perform(try request(for: url), retry: retry)
    }

    /// Performs a prepared request with retries.
    public func perform(_ request: FetchRequest, retry: RetryPolicy) async throws(FetchError) -> FetchResponse {
        var attempt = 1
        while true {
            let result = await Self.run(request)
            var failure: FetchError
            switch result {
            case .success(let response) where (200...299).contains(response.status):
                return response
            case .success(let response):
                failure = FetchError(.httpStatus(response.status), url: request.url, message: "HTTP \(response.status)", attempts: attempt, body: response.body)
            case .failure(let error):
                failure = error
                failure.attempts = attempt
            }
            guard failure.isRetryable, attempt < retry.maxAttempts else { throw failure }
            attempt += 1
            logger.debug("retrying", metadata: ["event": "fetch.retry", "url": "\(FetchURL.redacted(request.url))", "error": "\(failure.message)"])
            do {
                try await Task.sleep(for: retry.delay(beforeAttempt: attempt))
            } catch {
                throw failure
            }
        }
    }

    /// Waits until `url` can be read (it answers 2xx), polling every `interval` up to `timeout` while it
    /// answers 404 or 403 (S3 answers 403 for a missing key without list permission) or fails in a way that
    /// may pass (5xx, timeouts, connection errors). At the deadline: ``FetchError/Kind/notAvailable`` if
    /// the object was missing, else the last retryable error (the store itself is unwell).
    public func getWhenAvailable(_ url: String, timeout: Duration, interval: Duration = .milliseconds(250)) async throws(FetchError) -> FetchResponse {
        let request = try request(for: url)
        let deadline = ContinuousClock.now + timeout
        var attempts = 0
        while true {
            attempts += 1
            do {
                return try await perform(request, retry: .none)
            } catch {
                let missing: Bool
                if case .httpStatus(let status) = error.kind, status == 404 || status == 403 { missing = true } else { missing = false }
                guard missing || error.isRetryable else { throw error }
                guard ContinuousClock.now + interval < deadline else {
                    guard missing else {
                        var failure = error
                        failure.attempts = attempts
                        throw failure
                    }
                    let status: String
                    if case .httpStatus(let code) = error.kind { status = String(code) } else { status = "\(error.kind)" }
                    throw FetchError(.notAvailable, url: request.url, message: "not readable within \(timeout) (last status \(status))", attempts: attempts)
                }
            }
            do { try await Task.sleep(for: interval) } catch {
                throw FetchError(.notAvailable, url: request.url, message: "cancelled while waiting", attempts: attempts)
            }
        }
    }

    /// Performs `request` once (no retries: a transfer that failed part-way has already delivered part of
    /// the body, so only the caller can decide to start over), handing a 2xx body to `consumer` piece by
    /// piece instead of collecting it; ``FetchRequest/maxBodyBytes`` still bounds the body. The returned
    /// response has an empty body. A non-2xx answer throws ``FetchError/Kind/httpStatus(_:)`` with its body;
    /// a consumer that stops the transfer makes it throw ``FetchError/Kind/invalidResponse``.
    public func stream(_ request: FetchRequest, to consumer: any FetchBodyConsumer) async throws(FetchError) -> FetchResponse {
        switch await Self.run(request, consumer: ConsumerHandOff(consumer: consumer)) {
        case .success(let response) where (200...299).contains(response.status):
            return response
        case .success(let response):
            throw FetchError(.httpStatus(response.status), url: request.url, message: "HTTP \(response.status)", body: response.body)
        case .failure(let error):
            throw error
        }
    }

    /// Carries a consumer to the transfer's thread. @unchecked Sendable: only the transfer uses the
    /// consumer while it runs, and `stream` resumes its caller only after the transfer has ended (the
    /// continuation orders the two), so the consumer is never used from two threads at once.
    private struct ConsumerHandOff: @unchecked Sendable {
        let consumer: any FetchBodyConsumer
    }

    /// Each transfer gets a serial queue of its own: serial queues overcommit (libdispatch gives them a
    /// thread when all are busy), while a concurrent queue shares the width-limited pool that Swift's
    /// async tasks also run on, so blocked transfers would starve them.
    private static func run(_ request: FetchRequest, consumer: ConsumerHandOff? = nil) async -> Result<FetchResponse, FetchError> {
        await withCheckedContinuation { continuation in
            DispatchQueue(label: "consdb.fetch.transfer").async {
                continuation.resume(returning: CurlTransfer.perform(request, consumer: consumer?.consumer))
            }
        }
    }
}
