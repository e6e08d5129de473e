import Foundation
public import ServiceLifecycle
import Synchronization

/// Serves the console on the configured tty for as long as holdfastd runs: opens and sets the
/// line, runs a session until the line hangs up (a USB-serial adapter pulled, the far end of a
/// pty closed), then reopens the device when it is back. Failures are logged, never fatal: the
/// appliance goes on taking bets without its console.
public struct SerialConsole: Service {
    private let context: ConsoleContext
    private let device: String
    private let baud: Int

    public init(context: ConsoleContext, device: String, baud: Int) {
        self.context = context
        self.device = device
        self.baud = baud
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            var reportedMissing = false
            while !Task.isCancelled {
                let line: SerialLine
                do {
                    line = try SerialLine(path: device, baud: baud)
                } catch {
                    if !reportedMissing {
                        context.logger.warning("serial console unavailable; retrying every second", metadata: ["reason": "\(error)"])
                        reportedMissing = true
                    }
                    try? await Task.sleep(for: .seconds(1))
                    continue
                }
                reportedMissing = false
                context.logger.notice("serial console open", metadata: ["device": "\(device)", "baud": "\(baud)"])
                await serve(line)
                line.close()
                context.logger.notice("serial console line hung up; waiting for the device", metadata: ["device": "\(device)"])
                try? await Task.sleep(for: .milliseconds(500))
            }
        }
    }

    private func serve(_ line: SerialLine) async {
        let inbox = ByteInbox()
        let stop = Atomic<Bool>(false)
        let reader = Thread {
            while !stop.load(ordering: .relaxed) {
                guard let bytes = line.read(timeoutMillis: 200) else { break }
                if !bytes.isEmpty {
                    let semaphore = DispatchSemaphore(value: 0)
                    Task {
                        await inbox.deliver(bytes)
                        semaphore.signal()
                    }
                    semaphore.wait()
                }
            }
            let semaphore = DispatchSemaphore(value: 0)
            Task {
                await inbox.hangUp()
                semaphore.signal()
            }
            semaphore.wait()
        }
        reader.name = "holdfast-console"
        reader.start()
        var session = ConsoleSession(context: context, channel: SerialChannel(line: line, inbox: inbox), place: device)
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
}

private struct SerialChannel: ConsoleChannel {
    let line: SerialLine
    let inbox: ByteInbox

    func read(timeout: Duration) async -> [UInt8]? {
        await inbox.next(timeout: timeout)
    }

    func write(_ bytes: [UInt8]) async {
        _ = line.write(bytes)
    }
}
