import Dispatch
import Foundation

/// A result document being written to the results directory: chunks are appended on a serial queue of
/// its own (file writes block; they stay off Swift's cooperative pool) to `<name>.partial`, which is
/// renamed to its final name only once the query has finished, so a reader never sees half a result.
final class TAPResultFile: @unchecked Sendable {
    // @unchecked Sendable: `descriptor` and `size` are only touched on `queue` (serial).
    let directory: String
    let name: String
    private let queue = DispatchQueue(label: "consdb.tap.result-file")
    private var descriptor: Int32
    private var size = 0

    var temporaryPath: String { directory + "/" + name + ".partial" }
    var finalPath: String { directory + "/" + name }

    init(directory: String, name: String) throws {
        self.directory = directory
        self.name = name
        let path = directory + "/" + name + ".partial"
        descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o640)
        guard descriptor >= 0 else { throw TAPResultFileError(path: path, errno: errno) }
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
    }

    /// Appends bytes.
    func write(_ bytes: [UInt8]) async throws {
        guard !bytes.isEmpty else { return }
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, Error>) in
            queue.async {
                continuation.resume(with: Result { try self.writeAll(bytes) })
            }
        }
    }

    private func writeAll(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Foundation.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw TAPResultFileError(path: temporaryPath, errno: errno)
                }
                offset += written
            }
        }
        size += bytes.count
    }

    /// Flushes the file to disk and gives it its final name; returns its size.
    func finish() async throws -> Int {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Int, Error>) in
            queue.async {
                continuation.resume(with: Result {
                    _ = fsync(self.descriptor)
                    close(self.descriptor)
                    self.descriptor = -1
                    guard rename(self.temporaryPath, self.finalPath) == 0 else {
                        throw TAPResultFileError(path: self.finalPath, errno: errno)
                    }
                    return self.size
                })
            }
        }
    }

    /// Closes and removes the partial file.
    func discard() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            queue.async {
                if self.descriptor >= 0 {
                    close(self.descriptor)
                    self.descriptor = -1
                }
                unlink(self.temporaryPath)
                continuation.resume()
            }
        }
    }

    /// Removes a job's files (final and partial) from `directory`; a missing file is fine. `name` comes
    /// from the job table, which only ever holds `<id>.<ext>` names the server made.
    static func remove(_ name: String, in directory: String) {
        guard !name.contains("/"), !name.hasPrefix(".") else { return }
        unlink(directory + "/" + name)
        unlink(directory + "/" + name + ".partial")
    }
}

/// A result file could not be written.
struct TAPResultFileError: Error, CustomStringConvertible {
    var path: String
    var errno: Int32
    var description: String { "cannot write the result file \(path): \(String(cString: strerror(errno)))" }
}
