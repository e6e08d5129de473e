import Glibc

/// One console connection's descriptor: a serial tty or an accepted Unix-socket connection, in
/// non-blocking mode so a stalled terminal never stalls the daemon.
final class ConsoleLine: @unchecked Sendable {
    // Read by one reader thread, written by the session; both only through read(2)/write(2).
    let descriptor: Int32
    let path: String

    struct OpenFailure: Error, CustomStringConvertible {
        var description: String
    }

    init(descriptor: Int32, path: String) {
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
        self.descriptor = descriptor
        self.path = path
    }

    /// Opens a tty and sets it the way the console needs, with termios directly (no Swift library
    /// wraps termios): raw mode (no line discipline, no echo, no signals: the console does its
    /// own), 8N1 at `baud`, CLOCAL so a missing modem carrier does not block.
    static func openSerial(path: String, baud: Int) throws(OpenFailure) -> ConsoleLine {
        let descriptor = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else { throw OpenFailure(description: "cannot open \(path): \(String(cString: strerror(errno)))") }
        var settings = termios()
        guard tcgetattr(descriptor, &settings) == 0 else {
            let reason = String(cString: strerror(errno))
            Glibc.close(descriptor)
            throw OpenFailure(description: "\(path) is not a terminal: \(reason)")
        }
        cfmakeraw(&settings)
        settings.c_cflag &= ~(tcflag_t(PARENB) | tcflag_t(CSTOPB) | tcflag_t(CSIZE) | tcflag_t(CRTSCTS))
        settings.c_cflag |= tcflag_t(CS8) | tcflag_t(CLOCAL) | tcflag_t(CREAD)
        let speed = Self.speed(baud)
        cfsetispeed(&settings, speed)
        cfsetospeed(&settings, speed)
        guard tcsetattr(descriptor, TCSANOW, &settings) == 0 else {
            let reason = String(cString: strerror(errno))
            Glibc.close(descriptor)
            throw OpenFailure(description: "cannot set \(path) to \(baud) 8N1 raw: \(reason)")
        }
        return ConsoleLine(descriptor: descriptor, path: path)
    }

    /// Waits up to `timeoutMillis` for bytes: nil when the line hung up or failed, [] on timeout.
    func read(timeoutMillis: Int32) -> [UInt8]? {
        var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        let ready = poll(&poller, 1, timeoutMillis)
        if ready < 0 { return errno == EINTR ? [] : nil }
        if ready == 0 { return [] }
        var buffer = [UInt8](repeating: 0, count: 512)
        let count = Glibc.read(descriptor, &buffer, buffer.count)
        if count > 0 { return Array(buffer[..<count]) }
        if count < 0 && (errno == EAGAIN || errno == EINTR) { return [] }
        // 0 bytes or EIO: the other end hung up (a USB adapter pulled, a pty master closed).
        return nil
    }

    /// Writes everything, waiting for the line at most `timeoutMillis` in all; false if it did not
    /// take it (nobody reading: the rest is dropped rather than blocking the console).
    func write(_ bytes: [UInt8], timeoutMillis: Int32 = 1_000) -> Bool {
        var offset = 0
        var waited: Int32 = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            if written > 0 {
                offset += written
                continue
            }
            guard written < 0, errno == EAGAIN || errno == EINTR, waited < timeoutMillis else { return false }
            var poller = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
            _ = poll(&poller, 1, 50)
            waited += 50
        }
        return true
    }

    func close() {
        Glibc.close(descriptor)
    }

    private static func speed(_ baud: Int) -> speed_t {
        switch baud {
        case 9_600: speed_t(B9600)
        case 19_200: speed_t(B19200)
        case 38_400: speed_t(B38400)
        case 57_600: speed_t(B57600)
        case 230_400: speed_t(B230400)
        case 460_800: speed_t(B460800)
        case 921_600: speed_t(B921600)
        default: speed_t(B115200)
        }
    }
}
