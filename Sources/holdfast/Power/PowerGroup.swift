import Appliance
import ArgumentParser
import Foundation
import Logging
import Power

/// `holdfast power status|watch`: the power source's readings and the supervisor's state.
struct PowerGroup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "power",
        abstract: "Show the UPS readings and the power state, once or live.",
        subcommands: [Status.self, Watch.self]
    )

    struct Target: ParsableArguments {
        @Option(help: "The configuration holdfastd runs with (for its control socket and power source).")
        var config = "/etc/holdfast/holdfast.yaml"

        @Option(help: "The control socket, if not the configuration's appliance.control_socket.")
        var socket: String?

        func settings() throws -> ApplianceConfiguration {
            do { return try ApplianceConfiguration.load(path: config) } catch {
                throw PowerCommandError("\(error)")
            }
        }

        func client() throws -> ControlClient {
            ControlClient(socketPath: try socket ?? settings().controlSocket)
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the power state and the source's last reading.")

        @OptionGroup var target: Target

        @Flag(help: "Print JSON (the control API's document) instead of text.")
        var json = false

        func run() async throws {
            let client = try target.client()
            let status: PowerStatus
            do { status = try await client.status() } catch {
                await client.shutdown()
                throw error
            }
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                print(String(decoding: try encoder.encode(status), as: UTF8.self))
            } else {
                print(PowerStatusText.screen(status, nowMillis: Int64(Date().timeIntervalSince1970 * 1_000)))
            }
            await client.shutdown()
        }
    }

    struct Watch: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a line whenever the power state or a reading changes (Ctrl-C to stop).")

        @OptionGroup var target: Target

        @Option(help: "How often to ask holdfastd, in milliseconds.")
        var intervalMs = 200

        @Option(help: "Stop after this many lines (0: run until interrupted).")
        var changes = 0

        @Flag(help: "Read the configured power source directly, without holdfastd (while commissioning a UPS; GPIO lines are busy while the daemon holds them).")
        var direct = false

        func validate() throws {
            guard (20...60_000).contains(intervalMs) else { throw ValidationError("--interval-ms must be 20-60000") }
            guard changes >= 0 else { throw ValidationError("--changes must be 0 or more") }
        }

        func run() async throws {
            if direct { try await watchSource() } else { try await watchDaemon() }
        }

        private func watchDaemon() async throws {
            let client = try target.client()
            var last: String?
            var printed = 0
            do {
                while changes == 0 || printed < changes {
                    let status = try await client.status()
                    // Compare what a line shows, without its time: only visible changes print.
                    let shown = PowerStatusText.line(status, atMillis: 0).dropFirst(12)
                    if shown != last.map({ Substring($0) }) {
                        print(PowerStatusText.line(status, atMillis: Int64(Date().timeIntervalSince1970 * 1_000)))
                        fflush(nil)
                        printed += 1
                        last = String(shown)
                    }
                    try await Task.sleep(for: .milliseconds(intervalMs))
                }
            } catch {
                await client.shutdown()
                throw error
            }
            await client.shutdown()
        }

        private func watchSource() async throws {
            var settings = try target.settings()
            // Read only: a commissioning look must not drive the HAT's boot-OK or shutdown lines.
            settings.power.gpio?.outputs = []
            let source = settings.powerSource(logger: Logger(label: "holdfast.power"))
            print("reading the \(source.kind) source directly (no daemon, nothing is shut down)")
            var printed = 0
            for await event in source.events() {
                let at = PowerStatusText.clockTime(Int64(Date().timeIntervalSince1970 * 1_000))
                switch event {
                case .observed(let observation):
                    print("\(at)  mains=\(observation.acPresent.map { $0 ? "present" : "lost" } ?? "unknown")"
                          + " low=\(observation.batteryLow.map { $0 ? "yes" : "no" } ?? "-")"
                          + " charge=\(observation.chargePercent.map(String.init) ?? "-")"
                          + " runtime=\(observation.runtimeSeconds.map(String.init) ?? "-")"
                          + (observation.forcedShutdown ? " FSD" : ""))
                case .stale(let reason):
                    print("\(at)  STALE: \(reason)")
                }
                fflush(nil)
                printed += 1
                if changes > 0 && printed >= changes { break }
            }
        }
    }
}
