public import ServiceLifecycle

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
                let line: ConsoleLine
                do {
                    line = try ConsoleLine.openSerial(path: device, baud: baud)
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
                await LineSessionRunner.serve(line, context: context, place: device, endsOnLogout: false)
                line.close()
                context.logger.notice("serial console line hung up; waiting for the device", metadata: ["device": "\(device)"])
                try? await Task.sleep(for: .milliseconds(500))
            }
        }
    }
}
