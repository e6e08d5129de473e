import Foundation
import TestSupport

/// A technician at the VM's serial console (ttyS1, served by qemu on a Unix socket), typing as
/// one would. Reads block, so each exchange runs on a thread of its own, never on the
/// cooperative pool the terminals' load runs on.
final class TechnicianLine: Sendable {
    private let line: PseudoTerminal
    private let prompt: String

    /// Connects and logs in; `prompt` is the appliance code's prompt ("PWR1> ").
    static func logIn(socket: String, prompt: String, name: String, pin: String) async throws -> TechnicianLine {
        let line = TechnicianLine(try PseudoTerminal(connectingToSocket: socket), prompt: prompt)
        _ = try await line.exchange("\r", until: "login: ")
        _ = try await line.exchange(name + "\r", until: "PIN: ")
        // scrypt under qemu's TCG with a debug build: seconds, not milliseconds.
        _ = try await line.exchange(pin + "\r", until: prompt, within: .seconds(120))
        return line
    }

    private init(_ line: PseudoTerminal, prompt: String) {
        self.line = line
        self.prompt = prompt
    }

    /// Types `command` and answers what the console printed up to the next prompt.
    func run(_ command: String, within bound: Duration = .seconds(300)) async throws -> String {
        try await exchange(command + "\r", until: prompt, within: bound)
    }

    /// Types `command` and returns at once (the power cut comes while it runs).
    func start(_ command: String) { line.send(command + "\r") }

    /// `bound` is a hang guard. 120 s by default: the console answers in well under a second, but
    /// the VM's one emulated vCPU is busy with the terminals' load while the technician types, and
    /// a busy host gives qemu only part of a core.
    private func exchange(_ text: String, until expected: String, within bound: Duration = .seconds(120)) async throws -> String {
        let line = self.line
        let millis = Int(bound.components.seconds) * 1_000
        line.send(text)
        guard let answer = await line.expect(expected, timeoutMillis: millis) else {
            throw ChildProcessError("the console never showed '\(expected)'; it said: \(line.transcript.suffix(400))")
        }
        return answer
    }

}
