/// Bytes in and out of one console connection: a serial line, or a test's pseudo-terminal.
public protocol ConsoleChannel: Sendable {
    /// The next bytes; `[]` when `timeout` passed with none; nil when the line hung up.
    func read(timeout: Duration) async -> [UInt8]?
    func write(_ bytes: [UInt8]) async
}

extension ConsoleChannel {
    /// Writes text with CR LF line ends, as a serial terminal needs in raw mode.
    func write(_ text: String) async {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count + 8)
        for byte in text.utf8 {
            if byte == 0x0A { bytes.append(0x0D) }
            bytes.append(byte)
        }
        await write(bytes)
    }
}
