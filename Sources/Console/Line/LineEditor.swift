/// The console's own line discipline, since the tty is in raw mode and no shell stands behind it:
/// echo, backspace, Ctrl-C to drop the line, Ctrl-D to log out, Enter to submit. Pure: bytes in,
/// bytes to echo and events out, so tests feed it any byte stream.
///
/// Anything else is line noise (a wrong baud rate, a cable being plugged in): non-ASCII bytes,
/// stray control characters and escape sequences (arrow keys) are dropped and counted, and a line
/// that had noise in it is reported as such so the session can ignore it rather than try to log
/// in with it. A line is at most ``maximumLength`` characters; more rings the bell.
public struct LineEditor: Sendable {
    public enum Event: Equatable, Sendable {
        /// Enter on a line without noise.
        case line(String)
        /// Enter on a line that had noise in it (it is not used).
        case noisyLine(droppedBytes: Int)
        /// Ctrl-C: the line is gone.
        case cancelled
        /// Ctrl-D on an empty line.
        case endOfInput
    }

    public static let maximumLength = 200
    /// Echo is off while a PIN is typed; stars are echoed instead.
    public var masked = false
    public private(set) var buffer: [UInt8] = []
    public private(set) var droppedInLine = 0
    public private(set) var droppedTotal = 0
    private var escape = EscapeState.none
    private var lastWasCarriageReturn = false

    private enum EscapeState { case none, sawEscape, inSequence }

    public init() {}

    /// Feeds bytes; returns what to echo and the events, in order.
    public mutating func feed(_ bytes: some Sequence<UInt8>) -> (echo: [UInt8], events: [Event]) {
        var echo: [UInt8] = []
        var events: [Event] = []
        for byte in bytes {
            let afterCarriageReturn = lastWasCarriageReturn
            lastWasCarriageReturn = byte == 0x0D
            switch escape {
            case .sawEscape:
                escape = byte == UInt8(ascii: "[") || byte == UInt8(ascii: "O") ? .inSequence : .none
                continue
            case .inSequence:
                // CSI / SS3 sequences end with a byte in 0x40-0x7E.
                if (0x40...0x7E).contains(byte) { escape = .none }
                continue
            case .none:
                break
            }
            switch byte {
            case 0x0D, 0x0A:
                if byte == 0x0A && afterCarriageReturn { continue } // CR LF is one Enter
                echo += [0x0D, 0x0A]
                events.append(droppedInLine > 0 ? .noisyLine(droppedBytes: droppedInLine) : .line(String(decoding: buffer, as: UTF8.self)))
                buffer.removeAll(keepingCapacity: true)
                droppedInLine = 0
            case 0x7F, 0x08:
                if buffer.popLast() != nil { echo += [0x08, 0x20, 0x08] }
            case 0x03:
                echo += Array("^C\r\n".utf8)
                buffer.removeAll(keepingCapacity: true)
                droppedInLine = 0
                events.append(.cancelled)
            case 0x04:
                if buffer.isEmpty && droppedInLine == 0 { events.append(.endOfInput) }
            case 0x15: // Ctrl-U: erase the line
                echo += Array(repeating: [0x08, 0x20, 0x08], count: buffer.count).flatMap { $0 }
                buffer.removeAll(keepingCapacity: true)
            case 0x1B:
                escape = .sawEscape
            case 0x20...0x7E:
                guard buffer.count < Self.maximumLength else {
                    echo.append(0x07)
                    continue
                }
                buffer.append(byte)
                echo.append(masked ? UInt8(ascii: "*") : byte)
            default:
                droppedInLine += 1
                droppedTotal += 1
            }
        }
        return (echo, events)
    }
}
