import Journal
import NIOConcurrencyHelpers

/// The journal-disk-full drill. The journal is held at its size (``BetJournal/capGrowth()``), so
/// the next page it needs fails with SQLite's own "database or disk is full", exactly as a full
/// SD card does, without filling the card; then drill records are journaled into the space left
/// until one is refused. From then on every bet is refused, readiness fails and the alert is
/// raised, as in a real full disk. Ending the drill lifts the cap and journals its end, the
/// write that shows the journal writes again. A restart also ends it (the cap is per connection).
public final class DiskFullDrill: Sendable {
    /// What filling the journal found.
    public struct Filled: Codable, Sendable {
        public var pages: Int64
        public var recordsFitted: Int
        public var refusal: String
    }

    public enum Failure: Error, CustomStringConvertible {
        case alreadyRunning
        case cannotCap(String)
        case neverFull(records: Int)

        public var description: String {
            switch self {
            case .alreadyRunning: "the disk-full drill is already running: end it first"
            case .cannotCap(let reason): "the journal could not be held at its size: \(reason)"
            case .neverFull(let records): "the journal took \(records) drill records without filling; the drill was ended"
            }
        }
    }

    /// Drill records at most: a journal with free pages inside it takes some before it is full.
    static let maxFillRecords = 2_000
    private let service: ApplianceService
    private let running = NIOLockedValueBox(false)

    public init(service: ApplianceService) {
        self.service = service
    }

    public var isRunning: Bool { running.withLockedValue { $0 } }

    public func start(by who: String) async -> Result<Filled, Failure> {
        guard running.withLockedValue({ was in defer { was = true }; return !was }) else { return .failure(.alreadyRunning) }
        await service.recordEvent("journal.drill", "disk-full drill started by \(who): the journal is held at its size until `drill end`")
        let pages: Int64
        do { pages = try await service.journal.capGrowth() } catch {
            running.withLockedValue { $0 = false }
            return .failure(.cannotCap("\(error)"))
        }
        // Full for a record of this size may leave room for a smaller one (a console command's
        // record, say), which would make the journal writable again: fill, then fill the rest
        // with the smallest record there is, so nothing fits any more.
        var fitted = 0
        var refusal: JournalError?
        for message in ["disk-full drill: filling the space left", ""] {
            refusal = nil
            while refusal == nil && fitted < Self.maxFillRecords {
                do {
                    try await service.journal.apply(.record(category: "journal.drill", message: message))
                    fitted += 1
                } catch {
                    refusal = error
                }
            }
        }
        guard let refusal else {
            _ = await end(by: "the drill itself")
            return .failure(.neverFull(records: fitted))
        }
        return .success(Filled(pages: pages, recordsFitted: fitted, refusal: refusal.description))
    }

    /// Lifts the cap and journals the drill's end; false when it was not running.
    @discardableResult
    public func end(by who: String) async -> Bool {
        guard running.withLockedValue({ was in defer { was = false }; return was }) else { return false }
        do { try await service.journal.liftGrowthCap() } catch {
            service.logger.error("the disk-full drill's cap could not be lifted: restart holdfastd to lift it", metadata: ["error": "\(error)"])
        }
        await service.recordEvent("journal.drill", "disk-full drill ended by \(who): the journal may grow again")
        return true
    }
}
