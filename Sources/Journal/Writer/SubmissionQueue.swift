/// The bounded queue between callers and the single writer. Callers wait here until the
/// transaction holding their command has committed; the writer takes everything waiting as one
/// batch (group commit).
actor SubmissionQueue {
    struct Submission {
        var command: JournalCommand
        var continuation: CheckedContinuation<Result<CommandOutcome, JournalError>, Never>
    }

    private let capacity: Int
    private var pending: [Submission] = []
    private var waitingWriter: CheckedContinuation<[Submission]?, Never>?
    private var closed = false
    private let maxBatch: Int
    private(set) var groupCommitDelay: Duration

    init(capacity: Int, maxBatch: Int, groupCommitDelay: Duration) {
        self.capacity = capacity
        self.maxBatch = maxBatch
        self.groupCommitDelay = groupCommitDelay
    }

    func setGroupCommitDelay(_ delay: Duration) {
        groupCommitDelay = delay
    }

    var depth: Int { pending.count }

    /// Queues the command and waits for its outcome; refuses at once when full or closed.
    func submit(_ command: JournalCommand) async -> Result<CommandOutcome, JournalError> {
        await withCheckedContinuation { continuation in
            guard !closed else { return continuation.resume(returning: .failure(.closed)) }
            guard pending.count < capacity else { return continuation.resume(returning: .failure(.queueFull(capacity: capacity))) }
            pending.append(Submission(command: command, continuation: continuation))
            if let writer = waitingWriter {
                waitingWriter = nil
                writer.resume(returning: takeBatch())
            }
        }
    }

    /// The next batch, waiting for one if none is queued; nil once closed and drained.
    func nextBatch() async -> [Submission]? {
        if !pending.isEmpty { return takeBatch() }
        if closed { return nil }
        return await withCheckedContinuation { waitingWriter = $0 }
    }

    /// Whatever is queued now, up to `limit`, without waiting (to top up a batch after a delay).
    func drain(upTo limit: Int) -> [Submission] {
        let count = min(limit, pending.count)
        defer { pending.removeFirst(count) }
        return Array(pending.prefix(count))
    }

    /// Refuses new commands from now on; those already queued are still committed.
    func close() {
        closed = true
        if let writer = waitingWriter, pending.isEmpty {
            waitingWriter = nil
            writer.resume(returning: nil)
        }
    }

    private func takeBatch() -> [Submission] {
        drain(upTo: maxBatch)
    }
}
