import Avro
import DevServices
import Testing

@Suite("EFD line protocol")
struct EFDLineProtocolTests {
    @Test func aSALRecordBecomesOneEFDLine() {
        let record = AvroValue.record([
            ("salIndex", .int(110)), ("private_efdStamp", .double(1_764_028_800.25)), ("ok", .boolean(true)),
            ("zForces", .array([.float(1.5), .float(-2)])), ("name", .string("ignored")), ("missing", .double(.nan)),
            ("count", .long(7)), ("maybe", .union(branch: 1, value: .double(3))),
        ])
        let line = EFDLineProtocol.line(topic: "lsst.sal.MTM1M3.forces", record: record)
        #expect(line == "lsst.sal.MTM1M3.forces salIndex=110i,private_efdStamp=1764028800.25,ok=true,zForces0=1.5,zForces1=-2.0,count=7i,maybe=3.0 1764028800250000000")
    }

    @Test func namesAreEscapedAndUnusableRecordsGiveNoLine() {
        let record = AvroValue.record([("private_efdStamp", .double(10)), ("a b,c=d", .double(1))])
        #expect(EFDLineProtocol.line(topic: "t p,x", record: record) == #"t\ p\,x private_efdStamp=10.0,a\ b\,c\=d=1.0 10000000000"#)
        #expect(EFDLineProtocol.line(topic: "t", record: .record([("x", .double(1))])) == nil)  // no time
        #expect(EFDLineProtocol.line(topic: "t", record: .record([("private_efdStamp", .double(.infinity)), ("x", .double(1))])) == nil)
        #expect(EFDLineProtocol.line(topic: "t", record: .double(1)) == nil)
    }
}
