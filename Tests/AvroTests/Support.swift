@testable import Avro
import Testing

/// Bytes from hex text: `"06 66 6f 6f"`.
func hex(_ text: String) -> [UInt8] {
    text.split(separator: " ").map { UInt8($0, radix: 16)! }
}

/// The AvroError `body` throws, or `nil` when it succeeds. Any other error is recorded as an issue: the
/// module's API throws only AvroError.
func avroError<T>(_ body: () throws -> T) -> AvroError? {
    do {
        _ = try body()
        return nil
    } catch let error as AvroError {
        return error
    } catch {
        Issue.record("not an AvroError: \(error)")
        return nil
    }
}

func avroError<T>(_ body: () async throws -> T) async -> AvroError? {
    do {
        _ = try await body()
        return nil
    } catch let error as AvroError {
        return error
    } catch {
        Issue.record("not an AvroError: \(error)")
        return nil
    }
}

func schema(_ json: String) throws -> AvroSchema {
    try AvroSchema(parsing: json)
}

/// Encodes then decodes `value`, returning the bytes and the decoded value.
func roundTrip(
    _ value: AvroValue, _ schema: AvroSchema, encoder: AvroEncoder = AvroEncoder()
) throws -> (bytes: [UInt8], decoded: AvroValue) {
    let bytes = try encoder.encode(value, as: schema)
    return (bytes, try AvroDecoder().decode(bytes, as: schema))
}

/// Waits, without sleeping, until `condition` holds; records an issue after `seconds`.
func waitUntil(seconds: Int = 10, _ condition: () async -> Bool) async {
    let deadline = ContinuousClock.now + .seconds(seconds)
    while !(await condition()) {
        if ContinuousClock.now > deadline {
            Issue.record("condition not met within \(seconds) s")
            return
        }
        await Task.yield()
    }
}

/// SAL-style schemas written by hand after ts_xml's generated ones (FACTS §7, §8).
enum SALSchemas {
    /// MTMount telemetry `encoder`, with private fields first as in schemas built from the XML.
    static let encoder = """
    {
      "type": "record", "name": "encoder", "namespace": "lsst.sal.MTMount",
      "description": "Encoder readings (hand-written test schema in the SAL layout).",
      "fields": [
        {"name": "salIndex", "type": "int", "default": 0, "description": "SAL index", "units": "unitless"},
        {"name": "private_sndStamp", "type": "double", "default": 0.0, "description": "Time of instance publication", "units": "second"},
        {"name": "private_rcvStamp", "type": "double", "default": 0.0, "description": "Time of instance reception", "units": "second"},
        {"name": "private_efdStamp", "type": "double", "default": 0.0, "description": "UTC time for EFD timestamp", "units": "second"},
        {"name": "private_kafkaStamp", "type": "double", "default": 0.0, "description": "TAI time of Kafka message creation", "units": "second"},
        {"name": "private_seqNum", "type": "int", "default": 0, "description": "Sequence number", "units": "unitless"},
        {"name": "private_revCode", "type": "string", "default": "", "description": "Revision hashcode", "units": "unitless"},
        {"name": "private_identity", "type": "string", "default": "", "description": "Identity of publisher", "units": "unitless"},
        {"name": "private_origin", "type": "int", "default": 0, "description": "Process ID of publisher", "units": "unitless"},
        {"name": "azimuthEncoderRaw", "type": {"type": "array", "items": "double"},
         "default": [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], "description": "Raw readings", "units": "deg"},
        {"name": "elevationTemperature", "type": "float", "default": 0.0, "description": "Temperature", "units": "deg_C"},
        {"name": "trackingEnabled", "type": "boolean", "default": false, "description": "Tracking", "units": "unitless"},
        {"name": "controllerMode", "type": "string", "default": "", "description": "Mode", "units": "unitless"},
        {"name": "azimuthOffset", "type": ["null", "double"], "default": null, "description": "Offset", "units": "deg"}
      ]
    }
    """

    static let encoderValue = AvroValue.record([
        ("salIndex", .int(0)),
        ("private_sndStamp", .double(1_722_532_853.970_123)),
        ("private_rcvStamp", .double(0)),
        ("private_efdStamp", .double(1_722_532_816.970_123)),
        ("private_kafkaStamp", .double(1_722_532_853.970_123)),
        ("private_seqNum", .int(81_234)),
        ("private_revCode", .string("8a1bf03c")),
        ("private_identity", .string("MTMount")),
        ("private_origin", .int(4_211)),
        ("azimuthEncoderRaw", .array((0..<10).map { .double(180.5 + Double($0) * 0.001) })),
        ("elevationTemperature", .float(8.95)),
        ("trackingEnabled", .boolean(true)),
        ("controllerMode", .string("TRACKING")),
        ("azimuthOffset", .union(branch: 1, value: .double(-0.25))),
    ])

    /// HeaderService's LFA announcement (not indexed: no salIndex).
    static let largeFileObjectAvailable = """
    {"type": "record", "name": "logevent_largeFileObjectAvailable", "namespace": "lsst.sal.ATHeaderService",
     "fields": [
      {"name": "private_sndStamp", "type": "double", "default": 0.0},
      {"name": "private_rcvStamp", "type": "double", "default": 0.0},
      {"name": "private_efdStamp", "type": "double", "default": 0.0},
      {"name": "private_kafkaStamp", "type": "double", "default": 0.0},
      {"name": "private_seqNum", "type": "int", "default": 0},
      {"name": "private_revCode", "type": "string", "default": ""},
      {"name": "private_identity", "type": "string", "default": ""},
      {"name": "private_origin", "type": "int", "default": 0},
      {"name": "url", "type": "string", "default": "", "description": "URL of the file"},
      {"name": "generator", "type": "string", "default": ""},
      {"name": "version", "type": "float", "default": 0.0},
      {"name": "byteSize", "type": "int", "default": 0},
      {"name": "checkSum", "type": "string", "default": ""},
      {"name": "mimeType", "type": "string", "default": ""},
      {"name": "id", "type": "string", "default": ""}
     ]}
    """

    static let largeFileObjectAvailableValue = AvroValue.record([
        ("private_sndStamp", .double(1_722_532_857.25)),
        ("private_rcvStamp", .double(0)),
        ("private_efdStamp", .double(1_722_532_820.25)),
        ("private_kafkaStamp", .double(1_722_532_857.25)),
        ("private_seqNum", .int(302)),
        ("private_revCode", .string("c2f8a1d4")),
        ("private_identity", .string("ATHeaderService")),
        ("private_origin", .int(17)),
        ("url", .string("https://s3.cp.lsst.org/rubinobs-lfa-cp/ATHeaderService/header/2024/08/01/ATHeaderService_header_AT_O_20240801_000302.yaml")),
        ("generator", .string("ATHeaderService")),
        ("version", .float(1)),
        ("byteSize", .int(35_712)),
        ("checkSum", .string("9e107d9d372bb6826bd81d3542a419d6")),
        ("mimeType", .string("YAML")),
        ("id", .string("AT_O_20240801_000302")),
    ])
}
