import Hummingbird
import JSON
import Postgres
import Testing
@testable import API

@Suite("OpenAPI document")
struct OpenAPIDocumentTests {
    /// Routes as `METHOD /path/{param}`, from the router itself.
    static func servedRoutes() -> Set<String> {
        // The pool never connects here: building the router needs no database.
        let service = APIService(pool: ConnectionPool(configuration: .init(conninfo: "")), configuration: APIConfiguration())
        let router = ConsDBAPI.router(service: service, metrics: APIMetrics())
        // The docs pages are not operations of the API (nor are they in FastAPI's document).
        let docsPages = Set(DocsRoutes.paths.map { "GET /consdb/" + $0 })
        return Set(router.routes.map { route in
            var path = route.path.description
            if !path.hasPrefix("/") { path = "/" + path }
            return "\(route.method.rawValue) \(path)"
        }).subtracting(docsPages)
    }

    static func documentedRoutes() throws -> Set<String> {
        let document = try JSONValue.parse(OpenAPIDocument.json(prefix: "/consdb"))
        guard case .object(let paths)? = document["paths"] else { return [] }
        var routes = Set<String>()
        for (path, item) in paths {
            guard case .object(let operations) = item else { continue }
            for (method, _) in operations {
                // The router spells the prefix root without its trailing slash.
                let normalized = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
                routes.insert("\(method.uppercased()) \(normalized)")
            }
        }
        return routes
    }

    @Test func everyServedRouteIsDocumentedAndEveryDocumentedRouteIsServed() throws {
        let served = Self.servedRoutes()
        let documented = try Self.documentedRoutes()
        #expect(served.subtracting(documented).isEmpty, "served but not documented: \(served.subtracting(documented).sorted())")
        #expect(documented.subtracting(served).isEmpty, "documented but not served: \(documented.subtracting(served).sorted())")
        #expect(served.count >= 18)
    }

    @Test func documentIsOpenAPI3WithOperationIDsAndSchemas() throws {
        let document = try JSONValue.parse(OpenAPIDocument.json(prefix: "/consdb"))
        #expect(document["openapi"] == .string("3.0.3"))
        guard case .object(let paths)? = document["paths"], case .object(let schemas)? = document["components"]?["schemas"] else {
            Issue.record("paths or components missing")
            return
        }
        var operationIDs = Set<String>()
        for (_, item) in paths {
            guard case .object(let operations) = item else { continue }
            for (_, operation) in operations {
                guard case .string(let id)? = operation["operationId"] else { Issue.record("operation without id"); continue }
                #expect(operationIDs.insert(id).inserted, "duplicate operationId \(id)")
            }
        }
        // Every $ref points at a defined schema.
        func refs(_ value: JSONValue) -> [String] {
            switch value {
            case .object(let members):
                return members.flatMap { name, member -> [String] in
                    if name == "$ref", case .string(let target) = member { return [target] }
                    return refs(member)
                }
            case .array(let items): return items.flatMap(refs)
            default: return []
            }
        }
        let defined = Set(schemas.map { "#/components/schemas/" + $0.0 })
        for target in refs(document) {
            #expect(defined.contains(target), "dangling $ref \(target)")
        }
    }
}
