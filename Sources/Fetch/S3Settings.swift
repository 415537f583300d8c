/// Where S3 objects live and how to sign for them, from the standard AWS environment variables.
public struct S3Settings: Sendable {
    /// Endpoint URL, e.g. `https://s3.cp.lsst.org` or `http://127.0.0.1:9000`; objects are read path-style
    /// (`endpoint/bucket/key`), which every S3 implementation serves.
    public var endpoint: String
    public var region: String
    public var accessKeyID: String
    public var secretAccessKey: String

    public init(endpoint: String, region: String = "us-east-1", accessKeyID: String, secretAccessKey: String) {
        self.endpoint = endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint
        self.region = region
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
    }

    /// Reads `S3_ENDPOINT_URL` (or `AWS_ENDPOINT_URL_S3`, `AWS_ENDPOINT_URL`), `AWS_ACCESS_KEY_ID`,
    /// `AWS_SECRET_ACCESS_KEY` and `AWS_REGION` / `AWS_DEFAULT_REGION` (default `us-east-1`). Returns
    /// `nil` when no endpoint or no keys are set.
    public static func fromEnvironment(_ environment: [String: String]) -> S3Settings? {
        func value(_ keys: String...) -> String? {
            keys.lazy.compactMap { environment[$0] }.first { !$0.isEmpty }
        }
        guard let endpoint = value("S3_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"),
              let key = value("AWS_ACCESS_KEY_ID"), let secret = value("AWS_SECRET_ACCESS_KEY")
        else { return nil }
        return S3Settings(endpoint: endpoint, region: value("AWS_REGION", "AWS_DEFAULT_REGION") ?? "us-east-1", accessKeyID: key, secretAccessKey: secret)
    }

    /// The HTTP request for `s3://bucket/key`, signed with SigV4.
    func request(bucket: String, key: String, from template: FetchRequest) -> FetchRequest {
        var request = template
        request.url = endpoint + "/" + bucket + "/" + FetchURL.encodeKey(key)
        request.credentials = .awsSigV4(accessKeyID: accessKeyID, secretAccessKey: secretAccessKey, region: region, service: "s3")
        // S3 wants the payload hash header on every signed request; a GET has an empty payload.
        request.headers.append(("x-amz-content-sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"))
        return request
    }
}
