import Foundation
import NIOConcurrencyHelpers

/// The last word of a fuzz test that dies. A crash (a trap, a bad access, an abort) or a hang ends
/// the test process before any expectation can report, so this prints every running campaign's
/// name, seed and case index first: a signal handler for a crash, which then hands the signal on
/// to the handler it replaced (Swift's backtracer), and a watchdog thread for a case that runs
/// past the hang limit, which then aborts.
///
/// What the handler touches is allocated up front and written out with write(2) alone, since
/// little else is safe inside a signal handler. Campaigns run in parallel; they and the watchdog
/// touch the slots under `claimed`'s lock, while the signal handler, which cannot take a lock,
/// reads them without it: a torn read there could only garble one diagnostic line.
enum CrashReport {
    private struct Slot {
        var name: UnsafeMutablePointer<CChar>?
        var testFilter: UnsafeMutablePointer<CChar>?
        var seed: UInt64 = 0
        var caseIndex = 0
        var startedNanos: UInt64 = 0
    }

    private static let capacity = 16
    private static let fatalSignals = [SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGFPE, SIGSEGV]
    nonisolated(unsafe) private static let slots: UnsafeMutablePointer<Slot> = {
        let slots = UnsafeMutablePointer<Slot>.allocate(capacity: capacity)
        slots.initialize(repeating: Slot(), count: capacity)
        return slots
    }()
    nonisolated(unsafe) private static let replacedActions = UnsafeMutablePointer<sigaction>.allocate(capacity: 65)
    nonisolated(unsafe) private static let line = UnsafeMutablePointer<UInt8>.allocate(capacity: lineCapacity)
    private static let lineCapacity = 512
    private static let claimed = NIOLockedValueBox([Bool](repeating: false, count: capacity))
    /// A case is a hang once it has run this long (HOLDFAST_FUZZ_HANG_SECONDS; scripts/sanitize sets
    /// 300). Cases take milliseconds, but a case's time includes its waits for a thread of the
    /// cooperative pool, which tests blocking on child processes starve for seconds on two busy
    /// cores (a NUT session case took over 30 s under TSan): 120 s tells a hang from that, and still
    /// names the case minutes before scripts/within's limit for the stage would end the run.
    static let hangLimitSeconds = ProcessInfo.processInfo.environment["HOLDFAST_FUZZ_HANG_SECONDS"].flatMap { UInt64($0) } ?? 120
    private static let installed: Void = {
        _ = slots
        _ = line
        for signal in fatalSignals {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = handleFatalSignal
            sigemptyset(&action.sa_mask)
            sigaction(signal, &action, replacedActions + Int(signal))
        }
        let watchdog = Thread { watch() }
        watchdog.name = "fuzz-hang-watchdog"
        watchdog.start()
    }()

    /// A slot for a campaign that is starting; -1 when all are taken (it then runs unreported).
    static func claim(name: String, seed: UInt64, testFilter: String) -> Int {
        _ = installed
        let index = claimed.withLockedValue { claimed -> Int in
            guard let free = claimed.firstIndex(of: false) else { return -1 }
            claimed[free] = true
            return free
        }
        if index >= 0 {
            let slot = Slot(name: strdup(name), testFilter: strdup(testFilter), seed: seed, caseIndex: 0, startedNanos: monotonicNanos())
            claimed.withLockedValue { _ in slots[index] = slot }
        }
        return index
    }

    static func begin(_ slot: Int, caseIndex: Int) {
        guard slot >= 0 else { return }
        let now = monotonicNanos()
        claimed.withLockedValue { _ in
            slots[slot].caseIndex = caseIndex
            slots[slot].startedNanos = now
        }
    }

    /// The case is over: time between cases (waiting for a thread of the pool) is no hang.
    static func end(_ slot: Int) {
        guard slot >= 0 else { return }
        claimed.withLockedValue { _ in slots[slot].startedNanos = 0 }
    }

    static func release(_ slot: Int) {
        guard slot >= 0 else { return }
        let (name, testFilter) = claimed.withLockedValue { claimed in
            defer {
                slots[slot] = Slot()
                claimed[slot] = false
            }
            return (slots[slot].name, slots[slot].testFilter)
        }
        free(name)
        free(testFilter)
    }

    private static let handleFatalSignal: @convention(c) (Int32) -> Void = { signal in
        report("crashed")
        sigaction(signal, replacedActions + Int(signal), nil)
        // A fault returns to the faulting instruction, which faults again under the replaced
        // handler; an abort has to be raised again (it is delivered once this handler returns).
        if signal == SIGABRT { raise(signal) }
    }

    private static func watch() {
        while true {
            sleep(1)
            let now = monotonicNanos()
            let hung = claimed.withLockedValue { _ in
                (0..<capacity).contains { index in
                    let started = slots[index].startedNanos
                    return slots[index].name != nil && started != 0 && started < now && now - started > hangLimitSeconds * 1_000_000_000
                }
            }
            if hung {
                report("hung (one case ran for more than \(hangLimitSeconds) s)")
                // The abort is ours: the replaced handler takes it, without a second report.
                sigaction(SIGABRT, replacedActions + Int(SIGABRT), nil)
                abort()
            }
        }
    }

    private static func monotonicNanos() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }

    /// One line per running campaign on standard error; allocates nothing when `what` is a literal.
    private static func report(_ what: String) {
        for index in 0..<capacity {
            let slot = slots[index]
            guard let name = slot.name, let testFilter = slot.testFilter else { continue }
            var text = LineBuffer(start: line, capacity: lineCapacity)
            text.append("\nfuzz ")
            text.append(cString: name)
            text.append(": case ")
            text.append(decimal: slot.caseIndex)
            text.append(" of seed 0x")
            text.append(hex: slot.seed)
            text.append(" was running when the test process ")
            text.append(what)
            text.append("\n  reproduce: HOLDFAST_FUZZ_SEED=0x")
            text.append(hex: slot.seed)
            text.append(" HOLDFAST_FUZZ_CASE=")
            text.append(decimal: slot.caseIndex)
            text.append(" swift test --skip-build --filter ")
            text.append(cString: testFilter)
            text.append("\n")
            _ = write(2, line, text.count)
        }
    }

    /// Text built in preallocated memory, cut at its capacity.
    private struct LineBuffer {
        let start: UnsafeMutablePointer<UInt8>
        let capacity: Int
        private(set) var count = 0

        init(start: UnsafeMutablePointer<UInt8>, capacity: Int) {
            self.start = start
            self.capacity = capacity
        }

        mutating func append(byte: UInt8) {
            guard count < capacity else { return }
            start[count] = byte
            count += 1
        }

        mutating func append(_ text: String) {
            var text = text
            text.withUTF8 { for byte in $0 { append(byte: byte) } }
        }

        mutating func append(cString: UnsafePointer<CChar>) {
            var index = 0
            while cString[index] != 0 {
                append(byte: UInt8(bitPattern: cString[index]))
                index += 1
            }
        }

        mutating func append(decimal value: Int) {
            if value < 0 { append(byte: UInt8(ascii: "-")) }
            append(unsigned: value.magnitude, radix: 10)
        }

        mutating func append(hex value: UInt64) { append(unsigned: UInt(value), radix: 16) }

        private mutating func append(unsigned value: UInt, radix: UInt) {
            let first = count
            var remaining = value
            repeat {
                let digit = UInt8(remaining % radix)
                append(byte: digit < 10 ? UInt8(ascii: "0") + digit : UInt8(ascii: "A") + digit - 10)
                remaining /= radix
            } while remaining > 0
            // The digits came least significant first.
            var (low, high) = (first, count - 1)
            while low < high {
                (start[low], start[high]) = (start[high], start[low])
                low += 1
                high -= 1
            }
        }
    }
}
