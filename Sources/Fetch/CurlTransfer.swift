import CCurl
import Foundation

/// One blocking libcurl transfer. Runs on the caller's thread: ``Fetcher`` calls it on its own dispatch
/// queue, never on Swift's cooperative pool.
enum CurlTransfer {
    /// libcurl's global state, set up once before the first handle (curl_global_init is not thread-safe).
    private static let globalInit: Void = {
        _ = curl_global_init(Int(CURL_GLOBAL_DEFAULT))
    }()

    /// Collects the body through the write callback, refusing more than `limit` bytes; with a consumer,
    /// hands a 2xx body to it instead (other bodies are still collected: they explain the error).
    final class BodySink {
        var bytes: [UInt8] = []
        let limit: Int
        var exceeded = false
        let consumer: (any FetchBodyConsumer)?
        let handle: UnsafeMutableRawPointer
        let isFile: Bool
        /// Whether the body goes to the consumer: decided at its first byte, when the status is known.
        var streams: Bool?
        var streamed = 0
        var consumerStopped = false

        init(limit: Int, consumer: (any FetchBodyConsumer)?, handle: UnsafeMutableRawPointer, isFile: Bool) {
            self.limit = limit
            self.consumer = consumer
            self.handle = handle
            self.isFile = isFile
        }

        /// Takes one piece of the body; false stops the transfer.
        func take(_ data: UnsafeMutableRawPointer, _ length: Int) -> Bool {
            if let consumer {
                if streams == nil {
                    var status = 0
                    _ = consdb_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
                    streams = isFile || (200...299).contains(status)
                }
                if streams == true {
                    streamed += length
                    guard streamed <= limit else { exceeded = true; return false }
                    guard consumer.receive(UnsafeRawBufferPointer(start: data, count: length)) else {
                        consumerStopped = true
                        return false
                    }
                    return true
                }
            }
            guard bytes.count + length <= limit else {
                exceeded = true
                return false
            }
            data.withMemoryRebound(to: UInt8.self, capacity: length) { bytes.append(contentsOf: UnsafeBufferPointer(start: $0, count: length)) }
            return true
        }
    }

    static func perform(_ request: FetchRequest, consumer: (any FetchBodyConsumer)? = nil) -> Result<FetchResponse, FetchError> {
        _ = globalInit
        guard let handle = curl_easy_init() else {
            return .failure(FetchError(.transport(code: -1), url: request.url, message: "curl_easy_init failed"))
        }
        defer { curl_easy_cleanup(handle) }
        var headerList: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(headerList) }
        let sink = BodySink(limit: request.maxBodyBytes, consumer: consumer, handle: handle, isFile: request.url.hasPrefix("file:"))
        let context = Unmanaged.passRetained(sink)
        defer { context.release() }

        var setupCode = CURLE_OK
        func set(_ code: CURLcode) { if setupCode == CURLE_OK { setupCode = code } }
        set(consdb_curl_setopt_string(handle, CURLOPT_URL, request.url))
        set(consdb_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1))
        set(consdb_curl_setopt_string(handle, CURLOPT_PROTOCOLS_STR, "http,https,file"))
        set(consdb_curl_setopt_string(handle, CURLOPT_REDIR_PROTOCOLS_STR, "http,https"))
        set(consdb_curl_setopt_long(handle, CURLOPT_FOLLOWLOCATION, request.followRedirects ? 1 : 0))
        set(consdb_curl_setopt_long(handle, CURLOPT_MAXREDIRS, 5))
        set(consdb_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, milliseconds(request.connectTimeout)))
        set(consdb_curl_setopt_long(handle, CURLOPT_TIMEOUT_MS, milliseconds(request.totalTimeout)))
        set(consdb_curl_setopt_long(handle, CURLOPT_MAXFILESIZE_LARGE, request.maxBodyBytes))
        switch request.method {
        case .get: break
        case .head: set(consdb_curl_setopt_long(handle, CURLOPT_NOBODY, 1))
        case .post:
            // COPYPOSTFIELDS copies the body, so it need not outlive this call's Swift array.
            set(consdb_curl_setopt_long(handle, CURLOPT_POSTFIELDSIZE, request.body.count))
            if request.body.isEmpty {
                set(consdb_curl_setopt_string(handle, CURLOPT_COPYPOSTFIELDS, ""))
            } else {
                set(request.body.withUnsafeBufferPointer { buffer in
                    consdb_curl_setopt_pointer(handle, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: buffer.baseAddress!))
                })
            }
        }
        set(consdb_curl_setopt_write_function(handle, CURLOPT_WRITEFUNCTION) { data, size, count, context in
            guard let data, let context else { return 0 }
            let sink = Unmanaged<BodySink>.fromOpaque(context).takeUnretainedValue()
            let length = size * count
            // 0 makes libcurl stop with CURLE_WRITE_ERROR.
            return sink.take(UnsafeMutableRawPointer(data), length) ? length : 0
        })
        set(consdb_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, context.toOpaque()))

        var headers = request.headers
        switch request.credentials {
        case .none:
            break
        case .basic(let username, let password):
            set(consdb_curl_setopt_long(handle, CURLOPT_HTTPAUTH, consdb_curlauth_basic))
            set(consdb_curl_setopt_string(handle, CURLOPT_USERNAME, username))
            set(consdb_curl_setopt_string(handle, CURLOPT_PASSWORD, password))
        case .bearer(let token):
            headers.append(("Authorization", "Bearer " + token))
        case .awsSigV4(let key, let secret, let region, let service):
            set(consdb_curl_setopt_string(handle, CURLOPT_AWS_SIGV4, "aws:amz:\(region):\(service)"))
            set(consdb_curl_setopt_string(handle, CURLOPT_USERNAME, key))
            set(consdb_curl_setopt_string(handle, CURLOPT_PASSWORD, secret))
        }
        for (name, value) in headers {
            guard !name.contains(where: { $0 == ":" || $0.isNewline }), !value.contains(where: \.isNewline) else {
                return .failure(FetchError(.unsupportedURL, url: request.url, message: "invalid header \(name)"))
            }
            headerList = curl_slist_append(headerList, "\(name): \(value)")
        }
        if headerList != nil { set(consdb_curl_setopt_slist(handle, CURLOPT_HTTPHEADER, headerList)) }
        guard setupCode == CURLE_OK else {
            return .failure(FetchError(.unsupportedURL, url: request.url, message: "libcurl rejected an option: \(String(cString: curl_easy_strerror(setupCode)))"))
        }

        let code = curl_easy_perform(handle)
        if sink.consumerStopped {
            return .failure(FetchError(.invalidResponse, url: request.url, message: "the body's consumer stopped the transfer"))
        }
        if sink.exceeded || code == CURLE_FILESIZE_EXCEEDED {
            return .failure(FetchError(.tooLarge(limit: request.maxBodyBytes), url: request.url, message: "body larger than \(request.maxBodyBytes) bytes"))
        }
        guard code == CURLE_OK else {
            let message = String(cString: curl_easy_strerror(code))
            switch code {
            case CURLE_OPERATION_TIMEDOUT:
                return .failure(FetchError(.timedOut, url: request.url, message: message))
            case CURLE_UNSUPPORTED_PROTOCOL, CURLE_URL_MALFORMAT:
                return .failure(FetchError(.unsupportedURL, url: request.url, message: message))
            case CURLE_FILE_COULDNT_READ_FILE:
                // A file that does not exist (yet) behaves like an HTTP 404, so waiting works for both.
                return .failure(FetchError(.httpStatus(404), url: request.url, message: message))
            default:
                return .failure(FetchError(.transport(code: Int(code.rawValue)), url: request.url, message: message))
            }
        }
        var status = 0
        _ = consdb_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        if request.url.hasPrefix("file:") { status = 200 }
        return .success(FetchResponse(status: status, body: sink.bytes, effectiveURL: request.url))
    }

    private static func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        return max(1, Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000))
    }
}
