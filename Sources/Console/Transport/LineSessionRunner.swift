import Foundation
import Synchronization

/// Runs one console session over a ``ConsoleLine``: a dedicated thread waits in poll(2) for input
/// and hands it to the session through a ``ByteInbox``; the session writes straight to the line.
enum LineSessionRunner {
    static func serve(_ line: ConsoleLine, context: ConsoleContext, place: String, endsOnLogout: Bool) async {
        let inbox = ByteInbox()
        let stop = Atomic<Bool>(false)
        let reader = Thread {
            while !stop.load(ordering: .relaxed) {
                guard let bytes = line.read(timeoutMillis: 200) else { break }
                if !bytes.isEmpty { blocking { await inbox.deliver(bytes) } }
            }
            blocking { await inbox.hangUp() }
        }
        reader.name = "holdfast-console"
        reader.start()
        var session = ConsoleSession(context: context, channel: LineChannel(line: line, inbox: inbox), place: place,
                                     endsOnLogout: endsOnLogout)
        await withTaskCancellationHandler {
            await session.run()
        } onCancel: {
            stop.store(true, ordering: .relaxed)
            Task { await inbox.hangUp() }
        }
        stop.store(true, ordering: .relaxed)
        // The reader notices within its 200 ms poll; wait for it before the descriptor is closed.
        while !reader.isFinished { try? await Task.sleep(for: .milliseconds(20)) }
    }

    /// Runs async work from the reader thread and waits for it, so input stays in order.
    private static func blocking(_ work: @escaping @Sendable () async -> Void) {
        let done = DispatchSemaphore(value: 0)
        Task {
            await work()
            done.signal()
        }
        done.wait()
    }
}

private struct LineChannel: ConsoleChannel {
    let line: ConsoleLine
    let inbox: ByteInbox

    func read(timeout: Duration) async -> [UInt8]? {
        await inbox.next(timeout: timeout)
    }

    func write(_ bytes: [UInt8]) async {
        _ = line.write(bytes)
    }
}
