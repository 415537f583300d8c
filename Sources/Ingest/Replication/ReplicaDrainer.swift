import Backoff
import Logging
import Postgres
import ServiceLifecycle

/// How the drainers work.
public struct ReplicaDrainSettings: Sendable {
    /// Outbox rows a round takes (500).
    public var batchSize = 500
    /// The pause between rounds once a replica has caught up (1 s): new writes reach the replicas this late.
    public var pollInterval: Duration = .seconds(1)
    /// Waits between attempts while a replica (or the primary) cannot be reached.
    public var backoff = ExponentialBackoff(initial: .milliseconds(250), maximum: .seconds(30), jitter: 0.2)
    public init() {}
}

/// Keeps each replica in step with the primary: one loop per replica drains its backlog from the primary's
/// outbox in order. A replica's drain lock (a session advisory lock on the primary) lets any number of
/// processes run drainers while only one drains a given replica at a time. A replica that is down is
/// retried with back-off and its backlog kept; at shutdown the loops stop between batches (what is left
/// stays queued for the next start).
public final class ReplicaDrainer: Sendable {
    public let primary: String
    public let replicas: [ReplicaTarget]
    public let settings: ReplicaDrainSettings
    public let metrics: ReplicaMetrics
    let logger: Logger

    public init(primary: String, replicas: [ReplicaTarget], settings: ReplicaDrainSettings = ReplicaDrainSettings(), metrics: ReplicaMetrics, logger: Logger) {
        self.primary = primary
        self.replicas = replicas
        self.settings = settings
        self.metrics = metrics
        self.logger = logger
    }

    /// The drainer as a `Service` for a worker's group: put it after the pool, before the consumer.
    public var service: some Service { DrainerService(drainer: self) }

    /// Runs every replica's loop until the task is cancelled.
    public func run() async {
        await withTaskGroup(of: Void.self) { group in
            for replica in replicas {
                group.addTask { await self.loop(replica) }
            }
        }
    }

    /// A replica's connections, kept across rounds and dropped when they fail.
    final class Session: @unchecked Sendable {
        // Used only by the one task running the replica's loop (or a one-shot drain), never shared.
        var primary: Connection?
        var replica: Connection?
        var locked = false
    }

    private func loop(_ replica: ReplicaTarget) async {
        var core = ReplicaDrainCore(pollInterval: settings.pollInterval, backoff: settings.backoff)
        let session = Session()
        while !Task.isCancelled {
            let outcome = await round(replica, session: session)
            if Task.isCancelled { break }
            let (next, notice) = core.next(after: outcome)
            metrics.reachable(replica.name, core.isReachable)
            switch notice {
            case .outageBegan(let reason, let retry)?:
                logger.warning("replica unreachable; its backlog waits in the primary", metadata: [
                    "event": "replica.unreachable", "replica": "\(replica.name)", "error": "\(reason)", "retry_in": "\(retry)",
                ])
            case .outageEnded(let failures)?:
                logger.info("replica reachable again; draining its backlog", metadata: [
                    "event": "replica.reachable", "replica": "\(replica.name)", "failed_attempts": "\(failures)",
                ])
            case nil: break
            }
            if case .wait(let delay) = next {
                do { try await Task.sleep(for: delay) } catch { break }
            }
        }
        session.primary = nil
        session.replica = nil
    }

    /// One round: take the drain lock if not held, apply one batch, refresh the backlog figures.
    func round(_ replica: ReplicaTarget, session: Session) async -> ReplicaDrainCore.Outcome {
        let applier = ReplicaApplier(replica: replica, batchSize: settings.batchSize, logger: logger)
        do {
            let primary: Connection
            if let open = session.primary, open.isReusable { primary = open } else {
                session.locked = false
                session.primary = nil
                do { primary = try await Connection.connect(self.primary, logger: logger) } catch {
                    throw ReplicaApplier.Unreachable(side: "primary", error: error)
                }
                session.primary = primary
            }
            if !session.locked {
                let answer = try await primary.query("SELECT pg_try_advisory_lock(\(ReplicaOutbox.lockClass), hashtext(\(replica.name)))")
                session.locked = answer.rows.first?.first == "t"
            }
            guard session.locked else {
                try await refreshBacklog(replica, on: primary)
                return .lockedElsewhere
            }
            let replicaConnection: Connection
            if let open = session.replica, open.isReusable { replicaConnection = open } else {
                session.replica = nil
                do { replicaConnection = try await Connection.connect(replica.conninfo, logger: logger) } catch {
                    throw ReplicaApplier.Unreachable(side: "replica", error: error)
                }
                session.replica = replicaConnection
            }
            let result = try await applier.drainBatch(primary: primary, replicaConnection: replicaConnection)
            metrics.applied(replica.name, rows: result.applied)
            try await refreshBacklog(replica, on: primary)
            return .drained(applied: result.applied, parked: result.parked, full: result.fetched >= settings.batchSize)
        } catch let error as ReplicaApplier.Unreachable {
            // A broken connection is dropped and made again next round; the primary's drops the lock with it.
            if error.side == "replica" {
                session.replica = nil
                // The backlog keeps growing while the replica is down: the metric must say so.
                if let primary = session.primary { try? await refreshBacklog(replica, on: primary) }
            } else {
                session.primary = nil
                session.locked = false
            }
            return .unreachable(reason: error.description)
        } catch {
            session.primary = nil
            session.replica = nil
            session.locked = false
            return .unreachable(reason: "\(error)")
        }
    }

    private func refreshBacklog(_ replica: ReplicaTarget, on primary: Connection) async throws {
        let backlog = try await ReplicaBacklog.read(replica.name, on: primary)
        metrics.backlog(replica.name, pending: backlog.pending, parked: backlog.parked, oldestSeconds: backlog.oldestPendingSeconds)
    }

    /// Drains `replica` until its backlog is empty, the lock is held elsewhere, or the replica cannot be
    /// reached (no retry): for `consdb replicas --drain` and for tests. Returns the last round's outcome.
    public func drainOnce(_ replica: ReplicaTarget) async -> ReplicaDrainCore.Outcome {
        let session = Session()
        var total = (applied: 0, parked: 0)
        while true {
            let outcome = await round(replica, session: session)
            guard case .drained(let applied, let parked, let full) = outcome else { return outcome }
            total.applied += applied
            total.parked += parked
            if !full { return .drained(applied: total.applied, parked: total.parked, full: false) }
        }
    }
}

/// The drainer in a worker's `ServiceGroup`: stops between batches on graceful shutdown.
struct DrainerService: Service {
    let drainer: ReplicaDrainer
    func run() async throws {
        await cancelWhenGracefulShutdown { await drainer.run() }
    }
}

/// A replica's backlog in the primary's outbox.
public struct ReplicaBacklog: Sendable, Equatable {
    public var replica: String
    public var pending: Int
    public var parked: Int
    /// Age of the oldest pending row, 0 without one.
    public var oldestPendingSeconds: Double

    public static func read(_ replica: String, on connection: Connection) async throws -> ReplicaBacklog {
        let row = try await connection.query("""
            SELECT count(*) FILTER (WHERE parked_at IS NULL), count(*) FILTER (WHERE parked_at IS NOT NULL),
                   COALESCE(extract(epoch FROM now() - min(created_at) FILTER (WHERE parked_at IS NULL)), 0)::float8
            FROM consdb_ingest.replica_outbox WHERE replica = \(replica)
            """).rows.first ?? []
        return ReplicaBacklog(replica: replica, pending: Int(row.first.flatMap { $0 } ?? "") ?? 0, parked: Int((row.count > 1 ? row[1] : nil) ?? "") ?? 0,
                              oldestPendingSeconds: (row.count > 2 ? row[2] : nil).flatMap { Double($0) } ?? 0)
    }
}
