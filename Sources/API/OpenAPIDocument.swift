/// The OpenAPI 3 document of the API, served at `<prefix>/openapi.json`.
enum OpenAPIDocument {
    static func json(prefix: String) -> String {
        "{\"openapi\":\"3.0.3\",\"info\":{\"title\":\"consdb\",\"version\":\"\(ConsDBVersion.current)\"},\"paths\":{}}"
    }
}
