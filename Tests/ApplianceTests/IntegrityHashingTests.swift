@testable import Appliance
import Foundation
import Testing
import TestSupport

/// The manifest check hashes the whole binary at start-up; it must give sha256sum's answer and
/// leave the file out of the page cache (docs/holdfastd.md, "Memory").
@Suite("Integrity manifest hashing")
struct IntegrityHashingTests {
    @Test("a file is hashed as sha256sum hashes it, and its pages are not left in the page cache")
    func hashWithoutCaching() async throws {
        // Beside the build products, on the build's disk: a tmpfs keeps its pages whatever we advise.
        let products = URL(fileURLWithPath: try BuiltProducts.path(of: "holdfastd")).deletingLastPathComponent().path
        let directory = try TemporaryDirectory(under: products)
        let path = directory.path + "/blob"
        var bytes = [UInt8](repeating: 0, count: 8 << 20)
        for index in bytes.indices { bytes[index] = UInt8(truncatingIfNeeded: (index &* 2_654_435_761) >> 13) }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.synchronize()
        try handle.close()
        // Written back and read: every page clean and cached, as the binary is after boot.
        let sums = try await runToCompletion("/usr/bin/sha256sum", [path])
        try #require(sums.status == 0)
        let expected = String(sums.output.prefix(64))
        let startedCached = try warmIntoPageCache(path)

        #expect(IntegrityManifest.sha256(ofFile: path) == expected)
        #expect(IntegrityManifest.sha256(ofFile: directory.path + "/missing") == nil)
        // Whether the kernel keeps a file cached is its own decision: these machines reclaim page
        // cache proactively (DAMON), harder still beside a sanitizer build. Without a cached start
        // the eviction proves nothing, so it is reported as not run rather than as a failure.
        guard startedCached else {
            try Test.cancel("the kernel would not keep the 8 MiB test file cached after \(Self.warmingReads) reads; the eviction check did not run")
        }
        #expect(try residentFraction(of: path) < 0.1, "hashing should leave the file's pages out of the page cache")
    }

    /// Reads bounded by a count, not a time: each read is cheap, and a kernel that evicts the file
    /// again within a moment five times running is not going to keep it for the check either.
    private static let warmingReads = 5

    /// Reads the file until at least 90 % of its pages are cached, at most `warmingReads` times.
    private func warmIntoPageCache(_ path: String) throws -> Bool {
        for _ in 0..<Self.warmingReads {
            if try residentFraction(of: path) > 0.9 { return true }
            _ = try Data(contentsOf: URL(fileURLWithPath: path))
        }
        return try residentFraction(of: path) > 0.9
    }

    /// The share of the file's pages in the page cache, by `mincore` over a mapping that is never touched.
    private func residentFraction(of path: String) throws -> Double {
        let descriptor = open(path, O_RDONLY)
        try #require(descriptor >= 0)
        defer { close(descriptor) }
        var status = stat()
        try #require(fstat(descriptor, &status) == 0)
        let length = Int(status.st_size)
        let mapping = try #require(mmap(nil, length, PROT_READ, MAP_SHARED, descriptor, 0))
        try #require(mapping != MAP_FAILED)
        defer { munmap(mapping, length) }
        let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))
        var residency = [UInt8](repeating: 0, count: (length + pageSize - 1) / pageSize)
        try #require(mincore(mapping, length, &residency) == 0)
        return Double(residency.filter { $0 & 1 == 1 }.count) / Double(residency.count)
    }
}
