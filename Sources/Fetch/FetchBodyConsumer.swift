/// Receives the body of a 2xx answer piece by piece, as libcurl delivers it, so a large answer can be
/// parsed while it arrives instead of being held whole in memory.
///
/// ``Fetcher/stream(_:to:)`` calls ``receive(_:)`` on the transfer's own thread, one call at a time, in
/// body order, and never touches the consumer after it returns; the caller may read the consumer's state
/// once `stream` has returned or thrown.
public protocol FetchBodyConsumer: AnyObject {
    /// Takes the next piece of the body (valid only during the call). Returns false to stop the
    /// transfer (the consumer keeps its own reason); `stream` then throws ``FetchError/Kind/invalidResponse``.
    func receive(_ bytes: UnsafeRawBufferPointer) -> Bool
}
