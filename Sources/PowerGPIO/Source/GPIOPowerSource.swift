import Foundation
import Glibc
public import Logging
public import Power

/// A UPS HAT's power-fail and low-battery lines, read through libgpiod v1 with edge events (no
/// polling): a dedicated thread waits in poll(2) on the lines' event descriptors and a wake pipe,
/// debounces each line (``LineDebouncer``) and reports every change of the settled levels.
///
/// The initial levels are read when the lines are requested, so a line already active at start
/// (mains lost before the daemon started) is the first observation. A chip that cannot be opened
/// or disappears is reported as `.stale` naming why, and reopened with backoff, as the NUT source
/// does; the supervisor then applies upsmon's dead-time rule.
public final class GPIOPowerSource: PowerSource {
    public let settings: GPIOSettings
    public var kind: String { "gpio" }
    private let consumer: String
    private let logger: Logger
    private let shutdownLatch = GPIOOutputLatch()

    public init(settings: GPIOSettings, consumer: String = "holdfastd", logger: Logger) {
        precondition(settings.validate() == nil, "GPIO settings are validated before a source is made")
        self.settings = settings
        self.consumer = consumer
        self.logger = logger
    }

    public func events() -> AsyncStream<PowerSourceEvent> {
        let (stream, continuation) = AsyncStream<PowerSourceEvent>.makeStream(bufferingPolicy: .bufferingNewest(64))
        var pipeEnds: [Int32] = [0, 0]
        guard pipe(&pipeEnds) == 0 else {
            continuation.yield(.stale(reason: "GPIO watcher cannot start: pipe(): \(GPIOChipSession.lastError())"))
            continuation.finish()
            return stream
        }
        let (wakeReader, wakeWriter) = (pipeEnds[0], pipeEnds[1])
        let watcher = GPIOWatcher(settings: settings, consumer: consumer, logger: logger, latch: shutdownLatch,
                                  wakeDescriptor: wakeReader, emit: { continuation.yield($0) })
        let thread = Thread {
            watcher.run()
            Glibc.close(wakeReader)
            continuation.finish()
        }
        thread.name = "holdfast-gpio"
        thread.start()
        continuation.onTermination = { _ in
            var byte: UInt8 = 1
            _ = Glibc.write(wakeWriter, &byte, 1)
            Glibc.close(wakeWriter)
        }
        return stream
    }

    public func requestPowerOff() async -> Bool {
        await shutdownLatch.pulse()
    }
}

/// The watcher thread's loop: open, wait for edges and deadlines, settle, report; reopen on failure.
private final class GPIOWatcher: @unchecked Sendable {
    // Only the watcher thread touches this object after `run()` starts.
    private let settings: GPIOSettings
    private let consumer: String
    private let logger: Logger
    private let latch: GPIOOutputLatch
    private let wakeDescriptor: Int32
    private let emit: @Sendable (PowerSourceEvent) -> Void
    private var last: PowerSourceEvent?

    init(settings: GPIOSettings, consumer: String, logger: Logger, latch: GPIOOutputLatch, wakeDescriptor: Int32,
         emit: @escaping @Sendable (PowerSourceEvent) -> Void) {
        self.settings = settings
        self.consumer = consumer
        self.logger = logger
        self.latch = latch
        self.wakeDescriptor = wakeDescriptor
        self.emit = emit
    }

    func run() {
        var backoffMillis: Int32 = 250
        while true {
            let failure: String
            do {
                let session = try GPIOChipSession(settings: settings, consumer: consumer, shutdownLatch: latch)
                backoffMillis = 250
                for problem in session.outputProblems {
                    logger.error("GPIO output unavailable; power-loss inputs are watched regardless", metadata: ["problem": "\(problem)"])
                }
                defer {
                    latch.detach()
                    session.close()
                }
                guard let reason = try watch(session) else { return }
                failure = reason
            } catch {
                failure = error.description
            }
            report(.stale(reason: failure))
            logger.warning("GPIO power source stale; reopening", metadata: ["reason": "\(failure)", "retry_ms": "\(backoffMillis)"])
            if waitForWake(timeoutMillis: backoffMillis) { return }
            backoffMillis = min(backoffMillis * 2, 5_000)
        }
    }

    /// Reports until woken (nil) or until the chip fails (the reason).
    private func watch(_ session: GPIOChipSession) throws(GPIOChipSession.OpenFailure) -> String? {
        report(observation(session))
        var descriptors = [pollfd(fd: wakeDescriptor, events: Int16(POLLIN), revents: 0)]
        descriptors += session.inputs.map { pollfd(fd: $0.eventDescriptor, events: Int16(POLLIN | POLLPRI), revents: 0) }
        while true {
            let now = monotonicNanos()
            let deadline = session.inputs.compactMap(\.debouncer.deadlineNanos).min()
            let timeout = deadline.map { Int32(clamping: max(0, ($0 - now + 999_999) / 1_000_000)) } ?? -1
            for index in descriptors.indices { descriptors[index].revents = 0 }
            let ready = poll(&descriptors, nfds_t(descriptors.count), timeout)
            if ready < 0 {
                if errno == EINTR { continue }
                return "poll on GPIO lines failed: \(GPIOChipSession.lastError())"
            }
            if descriptors[0].revents != 0 { return nil }
            let afterWait = monotonicNanos()
            for index in session.inputs.indices {
                let revents = Int32(descriptors[index + 1].revents)
                if revents & (POLLERR | POLLHUP | POLLNVAL) != 0 {
                    return "\(session.inputs[index].settings.line) of GPIO chip '\(settings.chip)' went away"
                }
                if revents & (POLLIN | POLLPRI) != 0 { try session.drainEdges(ofInput: index, nowNanos: afterWait) }
            }
            var changed = false
            for index in session.inputs.indices {
                guard let due = session.inputs[index].debouncer.deadlineNanos, due <= afterWait else { continue }
                let level = try session.level(ofInput: index)
                // An edge queued between the wait and the read means the level just read has not
                // held for the debounce: note the edge and wait again rather than report it.
                if session.hasPendingEdge(ofInput: index) {
                    try session.drainEdges(ofInput: index, nowNanos: monotonicNanos())
                    continue
                }
                if session.settle(input: index, level: level, nowNanos: afterWait) != nil { changed = true }
                if session.inputs[index].debouncer.flapping {
                    logger.warning("GPIO line flapping: reporting its level without waiting for it to settle",
                                   metadata: ["role": "\(session.inputs[index].settings.role.rawValue)", "level": "\(level)"])
                }
            }
            if changed { report(observation(session)) }
        }
    }

    private func observation(_ session: GPIOChipSession) -> PowerSourceEvent {
        var levels: [GPIOSettings.Input.Role: Bool] = [:]
        for input in session.inputs { levels[input.settings.role] = input.debouncer.reported }
        return .observed(settings.observation(levels: levels))
    }

    private func report(_ event: PowerSourceEvent) {
        guard event != last else { return }
        last = event
        emit(event)
    }

    /// Sleeps for the backoff unless woken; true when woken (the stream ended).
    private func waitForWake(timeoutMillis: Int32) -> Bool {
        var descriptor = pollfd(fd: wakeDescriptor, events: Int16(POLLIN), revents: 0)
        return poll(&descriptor, 1, timeoutMillis) > 0
    }

    private func monotonicNanos() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
    }
}
