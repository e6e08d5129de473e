import Foundation
import Logging
import Metrics

/// Runs the configured alert command for each alert, one at a time, each bounded to
/// ``timeout``; at most ``capacity`` wait, and when more come the oldest are dropped (and
/// counted), so a flapping UPS cannot fork a process storm. The command gets the alert in its
/// environment: HOLDFAST_ALERT_CATEGORY, HOLDFAST_ALERT_MESSAGE, HOLDFAST_APPLIANCE.
final class AlertHook: Sendable {
    static let capacity = 16
    static let timeout = Duration.seconds(10)
    private let continuation: AsyncStream<(String, String)>.Continuation
    private let runner: Task<Void, Never>
    private let dropped = Counter(label: "holdfast_alerts_dropped_total")

    init(command: [String], appliance: String, logger: Logger) {
        let (alerts, continuation) = AsyncStream<(String, String)>.makeStream(bufferingPolicy: .bufferingNewest(Self.capacity))
        self.continuation = continuation
        let sent = Counter(label: "holdfast_alerts_total")
        runner = Task.detached {
            for await (category, message) in alerts {
                sent.increment()
                guard let executable = command.first else { continue }
                await Self.run(executable, Array(command.dropFirst()),
                         environment: ["HOLDFAST_ALERT_CATEGORY": category, "HOLDFAST_ALERT_MESSAGE": message, "HOLDFAST_APPLIANCE": appliance],
                         logger: logger)
            }
        }
    }

    func raise(_ category: String, _ message: String) {
        if case .dropped = continuation.yield((category, message)) { dropped.increment() }
    }

    deinit {
        continuation.finish()
        runner.cancel()
    }

    private static func run(_ executable: String, _ arguments: [String], environment: [String: String], logger: Logger) async {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        do { try process.run() } catch {
            logger.error("alert command could not start", metadata: ["command": "\(executable)", "error": "\(error)"])
            return
        }
        // Polled with a task sleep, not usleep: a hanging webhook (likeliest when the uplink is
        // down) must not hold one of the few threads the daemon's async work runs on.
        let deadline = ContinuousClock.now + timeout
        while process.isRunning && ContinuousClock.now < deadline && !Task.isCancelled { try? await Task.sleep(for: .milliseconds(20)) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            logger.error("alert command killed after \(timeout)", metadata: ["command": "\(executable)"])
        }
        process.waitUntilExit()
        if process.terminationStatus != 0 {
            logger.warning("alert command failed", metadata: ["command": "\(executable)", "status": "\(process.terminationStatus)"])
        }
    }
}
