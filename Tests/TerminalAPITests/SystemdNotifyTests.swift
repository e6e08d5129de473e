import Appliance
import Foundation
import Glibc
import Testing
import TestSupport

/// holdfastd speaking systemd's notify protocol to a real Unix datagram socket, as systemd would
/// receive it: READY once listening, WATCHDOG beats with STATUS while healthy, STOPPING at SIGTERM.
// Two minutes: room for the bounds below (30 s for beats, 30 s for STOPPING) to be what fails.
@Suite("sd_notify: READY, WATCHDOG, STATUS, STOPPING", .timeLimit(.minutes(2)))
struct SystemdNotifyTests {
    /// A datagram socket bound to a path, as systemd's notify socket is.
    /// Unchecked: used by one thread at a time (the test's, or the one ``watchForStall(release:)`` runs on).
    final class NotifySocket: @unchecked Sendable {
        let path: String
        private let descriptor: Int32

        init(in directory: String) throws {
            path = directory + "/notify.sock"
            descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8) + [0]) }
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
            guard descriptor >= 0, bound == 0 else { throw ChildProcessError("cannot bind \(path)") }
        }

        /// The next datagram's fields, or nil after `timeoutMillis`; waits off the cooperative pool.
        func next(timeoutMillis: Int32 = 5_000) async -> [String: String]? {
            await offPool { self.receive(timeoutMillis: timeoutMillis) }
        }

        /// ``next(timeoutMillis:)``, blocking the calling thread.
        func receive(timeoutMillis: Int32) -> [String: String]? {
            var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, timeoutMillis) > 0 else { return nil }
            var buffer = [UInt8](repeating: 0, count: 4_096)
            let count = recv(descriptor, &buffer, buffer.count, 0)
            guard count > 0 else { return nil }
            var fields: [String: String] = [:]
            for line in String(decoding: buffer[..<count], as: UTF8.self).split(separator: "\n") {
                let parts = line.split(separator: "=", maxSplits: 1)
                if parts.count == 2 { fields[String(parts[0])] = String(parts[1]) }
            }
            return fields
        }

        deinit { close(descriptor) }
    }

    @Test("READY after listening, WATCHDOG beats at half the interval with a STATUS, STOPPING on SIGTERM")
    func notifyProtocol() async throws {
        let daemon = try DaemonFixture()
        let socket = try NotifySocket(in: daemon.directory.path)
        _ = try await daemon.start(environment: ["NOTIFY_SOCKET": socket.path, "WATCHDOG_USEC": "400000"])
        var seen: [[String: String]] = []
        let started = ContinuousClock.now
        // Ten beats at 200 ms take 1.8 s. Within 30 s leaves a ThreadSanitizer build beside CPU
        // hogs over fifteen times that (three took 3.2 s once; a late writer check sends an unhealthy
        // STATUS instead of a beat), and still fails a period not taken from WATCHDOG_USEC: the
        // unit's WatchdogSec=10 would beat every 5 s, ten beats in 45 s.
        let bound = Duration.seconds(30)
        while seen.filter({ $0["WATCHDOG"] == "1" }).count < 10, ContinuousClock.now - started < bound {
            if let message = await socket.next(timeoutMillis: 1_000) { seen.append(message) }
        }
        #expect(seen.contains { $0["READY"] == "1" && $0["STATUS"]?.contains("listening on") == true }, "\(seen)")
        let beats = seen.filter { $0["WATCHDOG"] == "1" }
        #expect(beats.count >= 10, "ten beats within \(bound): \(seen)")
        #expect(beats.allSatisfy { $0["STATUS"] == "taking bets" }, "\(beats)")

        let process = try #require(daemon.process)
        let stopping = await socket.stopping(within: .seconds(30)) { process.signal(SIGTERM) }
        #expect(stopping, "STOPPING=1 when the graceful shutdown began")
        #expect(await process.status() == 0)
    }

    @Test("a reader that has stalled never blocks the notifier: what does not fit in the socket's queue is dropped")
    func stalledReaderDoesNotBlock() async throws {
        let directory = try TemporaryDirectory()
        let socket = try NotifySocket(in: directory.path)
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": socket.path], processID: getpid())
        let queue = Int(try String(contentsOfFile: "/proc/sys/net/unix/max_dgram_qlen", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)) ?? 10
        // With a blocking send this would hang at the first message past the queue's length.
        let sent = (0..<(2 * queue + 5)).map { notifier.notify(["WATCHDOG": "1", "N": "\($0)"]) }
        #expect(sent.first == true && sent.last == false, "queued while there was room, dropped after: \(sent)")
        #expect(await socket.next()?["N"] == "0", "what was queued arrives, in order")
    }

    @Test("a journal writer held up by another process's lock stops the beats; they resume once it answers, and the bet is kept")
    func stuckWriterStopsBeats() async throws {
        let daemon = try DaemonFixture()
        let socket = try NotifySocket(in: daemon.directory.path)
        let port = try await daemon.start(environment: ["NOTIFY_SOCKET": socket.path, "WATCHDOG_USEC": "400000"])
        defer { daemon.terminateInBackground() }
        #expect(await socket.nextBeat(within: .seconds(30)) != nil, "beats before the writer is held up") // a hang guard

        // Another process takes the journal's write lock, as a technician's sqlite3 left open
        // in a transaction would. A bet then waits inside the writer (its busy timeout is 5 s).
        let lock = try LineReadingChild(executable: "/usr/bin/sqlite3", arguments: [daemon.dataDirectory + "/journal.sqlite"],
                                        acceptsInput: true)
        lock.send(".timeout 5000\nBEGIN EXCLUSIVE;\nSELECT 'locked';\n")
        #expect(await lock.nextLine() == "locked")
        let client = daemon.client(port: port)
        let board = try await client.board()
        let slip = Slips.single(board.markets[0].selections[0].id, on: board)
        let placing = Task { try await client.place(slip) }

        let (unhealthy, beatsAfterUnhealthy, seen) = await socket.watchForStall { lock.send("ROLLBACK;\n.quit\n") }
        #expect(unhealthy != nil && unhealthy?["WATCHDOG"] == nil, "an unhealthy STATUS without a beat; seen: \(seen)")
        #expect(beatsAfterUnhealthy == 0, "no beat while the writer is held up; seen: \(seen)")

        _ = await lock.exitStatus()
        guard case .success(let ticket) = try await placing.value else {
            Issue.record("the bet held up by the lock was refused once it was released")
            return
        }
        #expect(await socket.nextBeat(within: .seconds(30)) != nil, "beats resume once the writer answers") // a hang guard
        let looked = try await client.send(.GET, "/v1/tickets/\(ticket.ticketId)")
        #expect(looked.status == 200, "the bet acknowledged after the hold-up is in the journal")
    }
}

extension SystemdNotifyTests.NotifySocket {
    /// Watches until the writer is seen held up, then 600 ms (three beat periods) more for beats
    /// that should not come, then runs `release` at once on the same thread, and answers.
    ///
    /// Held up means an unhealthy STATUS saying a check has gone unanswered past a whole beat, not
    /// the first one saying a check was late: a loaded machine can make one check late before the
    /// bet even reaches the writer, and beats would rightly follow it. Waiting for the bet to get
    /// there can take long (up to 20 s, inside the client's 30 s): the writer's 5 s busy timeout
    /// starts only then. From then on the time is short and fixed (two beats, the 600 ms, the
    /// release) and spends no hop through the cooperative pool, so the bet still commits when the
    /// lock goes. Off the pool: blocking the test's cooperative thread could keep the bet from
    /// being sent at all.
    func watchForStall(release: @escaping @Sendable () -> Void) async -> (unhealthy: [String: String]?, beatsAfter: Int, seen: [String]) {
        await offPool {
            var unhealthy: (message: [String: String], at: ContinuousClock.Instant)?
            var beatsAfter = 0
            var seen: [String] = []
            let watching = ContinuousClock.now
            while ContinuousClock.now - (unhealthy?.at ?? watching) < (unhealthy == nil ? .seconds(20) : .milliseconds(600)) {
                guard let message = self.receive(timeoutMillis: 100) else { continue }
                seen.append("\(ContinuousClock.now - watching): \(message)")
                if unhealthy == nil, message["STATUS"]?.hasPrefix("unhealthy: the journal writer has not answered for more than") == true {
                    unhealthy = (message, .now)
                }
                if unhealthy != nil, message["WATCHDOG"] == "1" { beatsAfter += 1 }
            }
            release()
            return (unhealthy?.message, beatsAfter, seen)
        }
    }

    /// True once a message carrying `STOPPING=1` came within `limit` of `stop` being called.
    ///
    /// One thread off the cooperative pool empties the queue, calls `stop` and reads on without a
    /// pause. The socket queues only 10 datagrams and the daemon drops what does not fit rather than
    /// wait for a reader (a stalled one must not stall it), so a reader that paused would let beats
    /// crowd STOPPING out: a hop back through the pool between reads can take seconds with the
    /// whole suite running under ThreadSanitizer on two cores, and CI once lost STOPPING that way.
    func stopping(within limit: Duration, after stop: @escaping @Sendable () -> Void) async -> Bool {
        await offPool {
            while self.receive(timeoutMillis: 0) != nil {}
            stop()
            let started = ContinuousClock.now
            while ContinuousClock.now - started < limit {
                if let message = self.receive(timeoutMillis: 100), message["STOPPING"] == "1" { return true }
            }
            return false
        }
    }

    /// The next message carrying `WATCHDOG=1`, or nil when none came within `limit`.
    func nextBeat(within limit: Duration) async -> [String: String]? {
        let started = ContinuousClock.now
        while ContinuousClock.now - started < limit {
            if let message = await next(timeoutMillis: 500), message["WATCHDOG"] == "1" { return message }
        }
        return nil
    }
}
