import Crypto
import Foundation
import Wagering

/// The software and configuration the appliance was approved with, as SHA-256 sums in
/// `sha256sum`'s format (make one with `sha256sum /usr/bin/holdfastd /etc/holdfast/holdfast.yaml`).
/// holdfastd checks itself against it at start and the console's `self-test` on demand; on a
/// mismatch intake stays closed, as betting regulators require of terminals.
public struct IntegrityManifest: Sendable {
    public struct Entry: Sendable, Hashable {
        public var path: String
        public var sha256: String
    }

    public struct Finding: Sendable, Hashable, CustomStringConvertible {
        public var path: String
        public var problem: String
        public var description: String { "\(path): \(problem)" }
    }

    public let path: String
    public let entries: [Entry]

    /// Reads a manifest; the error names the line that is not `<64 hex digits>  <path>`.
    public static func load(path: String) throws(ConfigurationError) -> IntegrityManifest {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ConfigurationError(key: "appliance.manifest", line: nil, problem: "\(path) cannot be read")
        }
        var entries: [Entry] = []
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() where !line.isEmpty {
            // sha256sum writes "<hex>  <path>" (text) or "<hex> *<path>" (binary).
            let hex = line.prefix(64)
            let rest = line.dropFirst(64)
            guard hex.count == 64, hex.allSatisfy(\.isHexDigit), rest.hasPrefix("  ") || rest.hasPrefix(" *"), rest.count > 2 else {
                throw ConfigurationError(key: "appliance.manifest", line: nil,
                                         problem: "\(path) line \(number + 1) is not `<sha256>  <path>` as sha256sum writes it")
            }
            entries.append(Entry(path: String(rest.dropFirst(2)), sha256: hex.lowercased()))
        }
        guard !entries.isEmpty else { throw ConfigurationError(key: "appliance.manifest", line: nil, problem: "\(path) lists no files") }
        return IntegrityManifest(path: path, entries: entries)
    }

    /// Every file that does not match, and the running binary if the manifest does not list it.
    public func check(runningBinary: String) -> [Finding] {
        var findings: [Finding] = []
        if !entries.contains(where: { Self.resolved($0.path) == Self.resolved(runningBinary) }) {
            findings.append(Finding(path: runningBinary, problem: "the running binary is not in \(path)"))
        }
        for entry in entries {
            guard let actual = Self.sha256(ofFile: entry.path) else {
                findings.append(Finding(path: entry.path, problem: "cannot be read"))
                continue
            }
            if actual != entry.sha256 { findings.append(Finding(path: entry.path, problem: "sha256 is \(actual.prefix(16))..., the manifest says \(entry.sha256.prefix(16))...")) }
        }
        return findings
    }

    /// The executable of this process.
    public static var runningBinary: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    static func resolved(_ path: String) -> String {
        URL(fileURLWithPath: path).resolvingSymlinksInPath().standardizedFileURL.path
    }

    /// Streams the file through SHA-256, then tells the kernel its pages will not be needed.
    ///
    /// Written against POSIX rather than `FileHandle`: that allocates a fresh buffer per read (its
    /// 1 MiB pieces left 0.8-0.9 MiB of heap resident in the idle daemon) and cannot advise the
    /// page cache. Without the advice, hashing the 178 MB binary at start-up left all of it
    /// cached, where a small board needs the memory; pages the daemon has mapped stay cached.
    static func sha256(ofFile path: String) -> String? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16)
        defer { buffer.deallocate() }
        var hasher = SHA256()
        while true {
            let count = read(descriptor, buffer.baseAddress, buffer.count)
            if count == 0 { break }
            if count < 0 {
                if errno == EINTR { continue }
                return nil
            }
            hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: buffer[..<count]))
        }
        _ = posix_fadvise(descriptor, 0, 0, POSIX_FADV_DONTNEED)
        return encodeHex(hasher.finalize())
    }
}

extension ApplianceService {
    /// Checks the running binary and the files the manifest lists; on a mismatch intake closes
    /// (and stays closed until the software is put right and holdfastd restarted). Journaled
    /// either way. Nil when no manifest is configured.
    @discardableResult
    public func checkIntegrity() async -> [IntegrityManifest.Finding]? {
        guard let manifest = configuration.manifest else { return nil }
        let findings = manifest.check(runningBinary: IntegrityManifest.runningBinary)
        let category = findings.isEmpty ? "integrity.ok" : "integrity.failed"
        let message = findings.isEmpty ? "software and configuration match \(manifest.path) (\(manifest.entries.count) files)"
            : findings.map(\.description).joined(separator: "; ")
        if !findings.isEmpty {
            intake.close(.integrity(message))
            logger.critical("bets are refused until the software matches its manifest")
        }
        await recordEvent(category, message, level: findings.isEmpty ? .notice : .critical)
        return findings
    }
}
