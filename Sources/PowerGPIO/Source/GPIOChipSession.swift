import CGPIOD
import Foundation
import Glibc

/// The lines of one opened GPIO chip, requested for holdfastd: inputs with edge events, outputs
/// driven. Confined to the watcher thread, except the shutdown-request line, which
/// ``GPIOOutputLatch`` guards. Closing releases every line (the kernel also does it when the
/// process ends, which is what drops boot-OK if the daemon dies).
final class GPIOChipSession {
    struct OpenFailure: Error, CustomStringConvertible {
        var description: String
    }

    struct InputLine {
        var settings: GPIOSettings.Input
        var handle: OpaquePointer
        var eventDescriptor: Int32
        var debouncer: LineDebouncer
    }

    private let chip: OpaquePointer
    private(set) var inputs: [InputLine] = []
    private var outputHandles: [OpaquePointer] = []
    /// Output lines that could not be had (busy with a vendor script, say). Outputs are best
    /// effort: watching for a power cut matters more than telling the HAT the Pi is up.
    private(set) var outputProblems: [String] = []

    /// Opens the chip and requests every line; the initial levels are read here.
    init(settings: GPIOSettings, consumer: String, shutdownLatch: GPIOOutputLatch) throws(OpenFailure) {
        guard let chip = gpiod_chip_open_lookup(settings.chip) else {
            let reason = Self.lastError()
            throw OpenFailure(description: "GPIO chip '\(settings.chip)' cannot be opened: \(Self.unreadableChip() ?? reason)")
        }
        self.chip = chip
        var claimed: [OpaquePointer: GPIOSettings.LineReference] = [:]
        func claim(_ reference: GPIOSettings.LineReference, _ handle: OpaquePointer) throws(OpenFailure) {
            if let earlier = claimed[handle] {
                throw OpenFailure(description: "\(earlier) and \(reference) are the same line of '\(settings.chip)'")
            }
            claimed[handle] = reference
        }
        do throws(OpenFailure) {
            for input in settings.inputs {
                let handle = try line(input.line)
                try claim(input.line, handle)
                var flags = input.activeLow ? Int32(GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW) : 0
                switch input.bias {
                case .asIs: break
                case .pullUp: flags |= Int32(GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_UP)
                case .pullDown: flags |= Int32(GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_DOWN)
                case .disabled: flags |= Int32(GPIOD_LINE_REQUEST_FLAG_BIAS_DISABLE)
                }
                guard gpiod_line_request_both_edges_events_flags(handle, consumer, flags) == 0 else {
                    throw OpenFailure(description: "\(input.role.rawValue) \(input.line) of '\(settings.chip)' cannot be requested for edge events: \(Self.lastError())")
                }
                let level = gpiod_line_get_value(handle)
                guard level >= 0 else {
                    throw OpenFailure(description: "\(input.role.rawValue) \(input.line) cannot be read: \(Self.lastError())")
                }
                inputs.append(InputLine(settings: input, handle: handle, eventDescriptor: gpiod_line_event_get_fd(handle),
                                        debouncer: LineDebouncer(debounce: input.debounce, initialLevel: level == 1)))
            }
            for output in settings.outputs {
                let handle = try line(output.line)
                try claim(output.line, handle)
                let flags = output.activeLow ? Int32(GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW) : 0
                // boot-OK goes active as soon as the daemon holds its lines; the shutdown request
                // waits, inactive, for the pulse.
                let initial: Int32 = output.role == .bootOK ? 1 : 0
                guard gpiod_line_request_output_flags(handle, consumer, flags, initial) == 0 else {
                    outputProblems.append("\(output.role.rawValue) \(output.line) cannot be requested as an output: \(Self.lastError())"
                                          + " (is a vendor script still holding it?)")
                    continue
                }
                outputHandles.append(handle)
                if output.role == .shutdownRequest { shutdownLatch.attach(handle, pulse: output.pulse) }
            }
        } catch let failure {
            shutdownLatch.detach()
            close()
            throw failure
        }
    }

    private func line(_ reference: GPIOSettings.LineReference) throws(OpenFailure) -> OpaquePointer {
        let found: OpaquePointer?
        switch reference {
        case .offset(let offset): found = gpiod_chip_get_line(chip, UInt32(offset))
        case .name(let name): found = gpiod_chip_find_line(chip, name)
        }
        guard let found else {
            let label = gpiod_chip_label(chip).map { String(cString: $0) } ?? "?"
            throw OpenFailure(description: "\(reference) is not on GPIO chip '\(label)': \(Self.lastError())")
        }
        return found
    }

    /// The current logical level of an input (true: its role is active).
    func level(ofInput index: Int) throws(OpenFailure) -> Bool {
        let value = gpiod_line_get_value(inputs[index].handle)
        guard value >= 0 else {
            throw OpenFailure(description: "\(inputs[index].settings.role.rawValue) \(inputs[index].settings.line) cannot be read: \(Self.lastError())")
        }
        return value == 1
    }

    /// Whether an edge event of the input is queued and not yet read (a zero-timeout poll).
    func hasPendingEdge(ofInput index: Int) -> Bool {
        var descriptor = pollfd(fd: inputs[index].eventDescriptor, events: Int16(POLLIN | POLLPRI), revents: 0)
        return poll(&descriptor, 1, 0) > 0
    }

    /// Reads and discards the pending edge events of an input, noting them in its debouncer.
    func drainEdges(ofInput index: Int, nowNanos: Int64) throws(OpenFailure) {
        var events = [gpiod_line_event](repeating: gpiod_line_event(), count: 16)
        let count = events.withUnsafeMutableBufferPointer {
            gpiod_line_event_read_multiple(inputs[index].handle, $0.baseAddress, UInt32($0.count))
        }
        guard count >= 0 else {
            throw OpenFailure(description: "edge events of \(inputs[index].settings.line) cannot be read: \(Self.lastError())")
        }
        if count > 0 { inputs[index].debouncer.edge(atNanos: nowNanos) }
    }

    func settle(input index: Int, level: Bool, nowNanos: Int64) -> Bool? {
        inputs[index].debouncer.settle(level: level, atNanos: nowNanos)
    }

    func close() {
        for input in inputs { gpiod_line_release(input.handle) }
        // Raspberry Pi kernels keep a released output at its last level (persist_gpio_outputs),
        // so boot-OK and the shutdown request are driven inactive before they are let go.
        for output in outputHandles {
            _ = gpiod_line_set_value(output, 0)
            gpiod_line_release(output)
        }
        inputs.removeAll()
        outputHandles.removeAll()
        gpiod_chip_close(chip)
    }

    /// libgpiod's lookup by label walks every chip and reports a chip it may not open as "not
    /// found": name the chip that is not readable, so a missing udev rule is not taken for a typo.
    static func unreadableChip() -> String? {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: "/dev") else { return nil }
        for name in names.sorted() where name.hasPrefix("gpiochip") && access("/dev/\(name)", R_OK | W_OK) != 0 {
            return "permission denied on /dev/\(name): is holdfastd's user in the group that firmware-config/udev/60-holdfast-gpio.rules gives the chips?"
        }
        return nil
    }

    static func lastError() -> String {
        String(cString: strerror(errno))
    }
}
