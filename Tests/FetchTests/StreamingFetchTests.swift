import Fetch
import Foundation
import Testing

/// Counts the bytes it is given; stops after `stopAfter` bytes if set.
final class CountingConsumer: FetchBodyConsumer {
    var bytes = 0
    var pieces = 0
    var sum: UInt64 = 0
    let stopAfter: Int?

    init(stopAfter: Int? = nil) { self.stopAfter = stopAfter }

    func receive(_ piece: UnsafeRawBufferPointer) -> Bool {
        bytes += piece.count
        pieces += 1
        for byte in piece { sum += UInt64(byte) }
        if let stopAfter, bytes >= stopAfter { return false }
        return true
    }
}

@Suite("Fetch streaming bodies")
struct StreamingFetchTests {
    @Test func streamsABodyInPieces() async throws {
        try await withFixture { base in
            let consumer = CountingConsumer()
            let response = try await Fetcher(retry: .none).stream(FetchRequest(url: base + "/big"), to: consumer)
            #expect(response.status == 200)
            #expect(response.body.isEmpty)
            #expect(consumer.bytes == 2 << 20)
            #expect(consumer.sum == UInt64(2 << 20) * 0x61)
            #expect(consumer.pieces > 1)
        }
    }

    @Test func errorAnswersAreCollectedNotStreamed() async throws {
        try await withFixture { base in
            let consumer = CountingConsumer()
            let error = await #expect(throws: FetchError.self) { try await Fetcher(retry: .none).stream(FetchRequest(url: base + "/missing"), to: consumer) }
            #expect(error?.kind == .httpStatus(404))
            #expect(consumer.bytes == 0)
        }
    }

    @Test func theConsumerCanStopTheTransfer() async throws {
        try await withFixture { base in
            let consumer = CountingConsumer(stopAfter: 1)
            let error = await #expect(throws: FetchError.self) { try await Fetcher(retry: .none).stream(FetchRequest(url: base + "/big"), to: consumer) }
            #expect(error?.kind == .invalidResponse)
            #expect(consumer.bytes < 2 << 20)
        }
    }

    @Test func theBodyLimitStillHolds() async throws {
        try await withFixture { base in
            var request = FetchRequest(url: base + "/big")
            request.maxBodyBytes = 1 << 20
            let error = await #expect(throws: FetchError.self) { try await Fetcher(retry: .none).stream(request, to: CountingConsumer()) }
            #expect(error?.kind == .tooLarge(limit: 1 << 20))
        }
    }
}
