public import Glibc

/// A Unix-domain socket address for bind(2), connect(2) and sendto(2), which take it as a
/// `sockaddr` pointer and a length. A path starting with `@` is in Linux's abstract namespace
/// (no file, and no terminating zero counted in the length), as systemd's NOTIFY_SOCKET may be.
public struct UnixSocketAddress {
    private var storage = sockaddr_un()
    public let length: socklen_t

    /// Nil when the path does not fit `sun_path` (107 bytes and a zero).
    public init?(path: String) {
        var bytes = Array(path.utf8)
        let abstract = bytes.first == UInt8(ascii: "@")
        if abstract { bytes[0] = 0 }
        guard !bytes.isEmpty, bytes.count < MemoryLayout.size(ofValue: storage.sun_path) else { return nil }
        storage.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &storage.sun_path) { $0.copyBytes(from: bytes) } // the rest stays zero
        length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count + (abstract ? 0 : 1))
    }

    public func withSockaddr<Result>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> Result) -> Result {
        withUnsafePointer(to: storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, length) }
        }
    }
}
