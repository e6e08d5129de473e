import Foundation
import NIOConcurrencyHelpers

/// A upsd that lies, on 127.0.0.1: it accepts one connection per fuzz case and answers each
/// request line as its script says (the true answer, or any bytes at all), then hangs up.
final class LyingUPSDaemon: Sendable {
    let port: Int
    private let listener: Int32

    init() throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var reuse: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(listener, $0, length) == 0 && listen(listener, 8) == 0 && getsockname(listener, $0, &length) == 0
            }
        }
        guard bound else {
            close(listener)
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
        }
        self.listener = listener
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit { close(listener) }

    /// Serves the next connection on a thread of its own; the stream ends once it hung up. Awaited,
    /// not waited on: a blocked thread of the cooperative pool starves the very client under test.
    func serveOne(_ script: Script) -> AsyncStream<Never> {
        let (finished, end) = AsyncStream<Never>.makeStream()
        Thread { [self] in
            serve(script)
            end.finish()
        }.start()
        return finished
    }

    /// How long the daemon waits for the client to connect and for each request: as long as a fuzz
    /// case may run before it is called hung. Under a sanitizer with the whole suite running, a
    /// client can be starved for tens of seconds, and a daemon that gave up first would make the
    /// client's failure look like a finding; only a client that never comes costs this wait.
    private static let patienceSeconds = Int(CrashReport.hangLimitSeconds)

    private func serve(_ script: Script) {
        var waiting = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
        guard poll(&waiting, 1, Int32(Self.patienceSeconds * 1_000)) == 1 else { return }
        let connection = accept(listener, nil, nil)
        guard connection >= 0 else { return }
        defer { close(connection) }
        var timeout = timeval(tv_sec: Self.patienceSeconds, tv_usec: 0)
        setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var pending: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 512)
        for answer in script.answers {
            while !pending.contains(0x0A) {
                let count = buffer.withUnsafeMutableBytes { recv(connection, $0.baseAddress, $0.count, 0) }
                guard count > 0 else { return }
                pending += buffer.prefix(count)
            }
            let newline = pending.firstIndex(of: 0x0A)!
            let request = String(decoding: pending[..<newline], as: UTF8.self)
            pending.removeSubrange(...newline)
            if case .silence = answer {
                // Holding the connection open without a word until the client hangs up (recv then
                // answers 0): only the client's answer timeout ends this, however late it fires.
                while buffer.withUnsafeMutableBytes({ recv(connection, $0.baseAddress, $0.count, 0) }) > 0 {}
                return
            }
            let reply = script.reply(to: request, with: answer)
            // MSG_NOSIGNAL: the client may have hung up already, which must not kill the test process with SIGPIPE.
            _ = reply.withUnsafeBytes { send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        }
    }

    /// One connection's answers, in order; after the last the daemon hangs up.
    struct Script: Sendable {
        enum Answer: Sendable {
            /// What upsd would say: OK to a login step, the variable's value to GET VAR.
            case truth
            case lie([UInt8])
            /// No answer, the connection held open until the client hangs up (or the daemon's patience ends).
            case silence
        }

        var ups: String
        var status: String
        var charge: String
        var runtime: String
        var answers: [Answer]

        func reply(to request: String, with answer: Answer) -> [UInt8] {
            switch answer {
            case .lie(let bytes): return bytes
            case .silence: return []
            case .truth: break
            }
            let words = request.split(separator: " ")
            guard words.count == 4, words[0] == "GET", words[1] == "VAR" else { return Array("OK\n".utf8) }
            let value = switch words[3] {
            case "ups.status": status
            case "battery.charge": charge
            default: runtime
            }
            return Array("VAR \(words[2]) \(words[3]) \(NUTQuoting.quote(value))\n".utf8)
        }
    }
}

/// The events a session emitted, collected from its emit callback.
final class EventLog<Event: Sendable>: Sendable {
    private let events = NIOLockedValueBox<[Event]>([])

    func append(_ event: Event) { events.withLockedValue { $0.append(event) } }

    var all: [Event] { events.withLockedValue { $0 } }
}
