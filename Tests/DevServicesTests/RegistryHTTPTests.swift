import DevServices
import Foundation
import Testing

/// The registry's REST surface as Confluent documents it, over a raw socket.
@Suite("Dev schema registry HTTP endpoints")
struct RegistryHTTPTests {
    let versionsPath = "/subjects/\(largeFileSubject)/versions"

    @Test func registerAndLookUp() async throws {
        try await withRegistry { _, port in
            let created = try await RawHTTP.post(port: port, versionsPath, json: registration(largeFileSchema))
            #expect(created.status == 200)
            #expect(created.headers["content-type"] == "application/vnd.schemaregistry.v1+json")
            #expect(created.text == #"{"id":1}"#)
            let second = try await RawHTTP.post(port: port, versionsPath, json: registration(largeFileSchemaV2))
            #expect(second.text == #"{"id":2}"#)

            let byID = try await RawHTTP.get(port: port, "/schemas/ids/1")
            #expect(byID.status == 200)
            #expect(byID.object?["schema"] as? String == largeFileSchema)
            let raw = try await RawHTTP.get(port: port, "/schemas/ids/2/schema")
            #expect(raw.text == largeFileSchemaV2)
            #expect(try await RawHTTP.get(port: port, "/subjects").text == "[\"\(largeFileSubject)\"]")
            #expect(try await RawHTTP.get(port: port, versionsPath).text == "[1,2]")
            #expect(try await RawHTTP.get(port: port, "/").text == "{}")

            for (selector, version, id) in [("1", 1, 1), ("2", 2, 2), ("latest", 2, 2), ("-1", 2, 2)] {
                let answer = try await RawHTTP.get(port: port, "\(versionsPath)/\(selector)")
                #expect(answer.status == 200, "version \(selector)")
                #expect(answer.object?["subject"] as? String == largeFileSubject)
                #expect(answer.object?["version"] as? Int == version, "version \(selector)")
                #expect(answer.object?["id"] as? Int == id, "version \(selector)")
                #expect(answer.object?["schema"] as? String == (id == 1 ? largeFileSchema : largeFileSchemaV2))
            }
        }
    }

    @Test func sameSchemaOverHTTPKeepsItsIDAndVersion() async throws {
        try await withRegistry { _, port in
            _ = try await RawHTTP.post(port: port, versionsPath, json: registration(largeFileSchema))
            let again = try await RawHTTP.post(port: port, versionsPath, json: registration(largeFileSchemaReformatted))
            #expect(again.text == #"{"id":1}"#)
            // An explicit AVRO type and empty references are what Confluent's own serializers send.
            let typed = try await RawHTTP.post(port: port, versionsPath, json: #"{"schemaType": "AVRO", "references": [], "schema": "{\"type\":\"record\",\"name\":\"r\",\"fields\":[]}"}"#)
            #expect(typed.text == #"{"id":2}"#)
            #expect(try await RawHTTP.get(port: port, versionsPath).text == "[1,2]")
        }
    }

    @Test func schemaTextIsReturnedExactly() async throws {
        // Quotes, backslashes, control characters and non-ASCII in a doc string exercise the JSON writer.
        let schema = "{\"type\": \"record\", \"name\": \"t\", \"doc\": \"tab\\there \\\"quoted\\\" \\\\ \\u0001 é 🔭\",\n \"fields\": []}"
        try await withRegistry { server, port in
            let id = try server.register(subject: "doc-value", schemaText: schema)
            let answer = try await RawHTTP.get(port: port, "/schemas/ids/\(id)")
            #expect(answer.object?["schema"] as? String == schema)
            let version = try await RawHTTP.get(port: port, "/subjects/doc-value/versions/latest")
            #expect(version.object?["schema"] as? String == schema)
        }
    }

    @Test func notFoundAnswersCarryConfluentErrorCodes() async throws {
        try await withRegistry { server, port in
            try server.register(subject: largeFileSubject, schemaText: largeFileSchema)
            let cases: [(String, Int, Int)] = [
                ("/schemas/ids/2", 404, 40403),
                ("/schemas/ids/0/schema", 404, 40403),
                ("/schemas/ids/x", 404, 40403),
                ("/subjects/nope-value/versions", 404, 40401),
                ("/subjects/nope-value/versions/latest", 404, 40401),
                ("\(versionsPath)/2", 404, 40402),
                ("\(versionsPath)/abc", 422, 42202),
                ("\(versionsPath)/0", 422, 42202),
                ("/nowhere", 404, 404),
                ("/subjects/a/b", 404, 404),
            ]
            for (path, status, code) in cases {
                let answer = try await RawHTTP.get(port: port, path)
                #expect(answer.status == status, "\(path)")
                #expect(answer.errorCode == code, "\(path): \(answer.text)")
                #expect(answer.object?["message"] is String, "\(path)")
            }
            let delete = try await RawHTTP.request(port: port, "DELETE", "/subjects")
            #expect(delete.status == 405)
            #expect(delete.errorCode == 405)
        }
    }

    @Test func invalidSchemasAreRefusedWith42201() async throws {
        try await withRegistry { server, port in
            let bodies = [
                try registration(#"{"type": "record", "name": "r"}"#),  // no fields
                try registration(#"{"type": "nosuchtype"}"#),
                try registration("not json at all"),
                try registration(""),
                #"{"schema": 42}"#,
                #"{"schemaType": "PROTOBUF", "schema": "syntax = \"proto3\";"}"#,
                #"{"references": [{"name": "x", "subject": "y", "version": 1}], "schema": "\"string\""}"#,
                try registration(String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000)),
            ]
            for body in bodies {
                let answer = try await RawHTTP.post(port: port, versionsPath, json: body)
                #expect(answer.status == 422, "\(body.prefix(80))")
                #expect(answer.errorCode == 42201, "\(body.prefix(80)): \(answer.text)")
            }
            #expect(try await RawHTTP.get(port: port, "/subjects").text == "[]", "nothing was registered")
            let error = #expect(throws: SchemaRegistryError.self) { try server.register(subject: "s", schemaText: "{") }
            #expect(error?.errorCode == 42201)
        }
    }

    @Test func malformedBodiesAreRefusedWith400() async throws {
        try await withRegistry { _, port in
            let bodies = ["", "{", "{\"schema\": ", "[1, 2]", "\"schema\"", "\u{FF}\u{FE}",
                          String(repeating: "[", count: 100_000)]
            for body in bodies {
                let answer = try await RawHTTP.post(port: port, versionsPath, json: body)
                #expect(answer.status == 400, "\(body.prefix(20))")
                #expect(answer.errorCode == 400, "\(body.prefix(20)): \(answer.text)")
            }
            // Still serving.
            #expect(try await RawHTTP.get(port: port, "/").status == 200)
        }
    }

    @Test func oversizedBodiesAreRefusedWith413() async throws {
        try await withRegistry { _, port in
            let padding = String(repeating: " ", count: SchemaRegistryServer.maximumBodyBytes)
            let declared = try await RawHTTP.post(port: port, versionsPath, json: try registration(largeFileSchema) + padding)
            #expect(declared.status == 413)
            #expect(declared.errorCode == 413)

            // Chunked, so the size is only known while reading.
            var chunked = Array("POST \(versionsPath) HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n".utf8)
            let chunk = [UInt8](repeating: UInt8(ascii: " "), count: 256 << 10)
            for _ in 0..<5 { chunked += Array((String(chunk.count, radix: 16) + "\r\n").utf8) + chunk + Array("\r\n".utf8) }
            chunked += Array("0\r\n\r\n".utf8)
            let streamed = try await RawHTTP.send(port: port, chunked)
            #expect(streamed.status == 413)
            #expect(streamed.errorCode == 413)

            // Exactly at the limit is accepted.
            let body = try registration(largeFileSchema)
            let fitting = try await RawHTTP.post(port: port, versionsPath, json: body + String(repeating: " ", count: SchemaRegistryServer.maximumBodyBytes - body.utf8.count))
            #expect(fitting.status == 200)
        }
    }

    @Test func subjectsArePercentDecoded() async throws {
        try await withRegistry { _, port in
            let created = try await RawHTTP.post(port: port, "/subjects/a%2Fb%20c%C3%A9/versions", json: try registration(largeFileSchema))
            #expect(created.status == 200)
            #expect(try await RawHTTP.get(port: port, "/subjects").object == nil)
            let names = try JSONSerialization.jsonObject(with: Data(try await RawHTTP.get(port: port, "/subjects").body)) as? [String]
            #expect(names == ["a/b cé"])
            #expect(try await RawHTTP.get(port: port, "/subjects/a%2fb%20c%c3%a9/versions/1").status == 200)
            let bad = try await RawHTTP.get(port: port, "/subjects/a%zz/versions")
            #expect(bad.status == 400)
            #expect(bad.errorCode == 400)
        }
    }

    @Test func switchedOffAnswers503() async throws {
        try await withRegistry { server, port in
            server.available = false
            for answer in [try await RawHTTP.get(port: port, "/"), try await RawHTTP.post(port: port, versionsPath, json: try registration(largeFileSchema))] {
                #expect(answer.status == 503)
                #expect(answer.errorCode == 50003)
            }
            #expect(server.requestCount == 2)
            // The programmatic API ignores the switch, so tests can prepare contents during an outage.
            #expect(try server.register(subject: largeFileSubject, schemaText: largeFileSchema) == 1)
            server.available = true
            #expect(try await RawHTTP.get(port: port, versionsPath).text == "[1]")
        }
    }
}
