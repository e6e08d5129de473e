import Foundation
import Randomness
import TerminalProtocol

/// A holdfastd started by the API benchmark: release binary beside this one, its own temporary
/// configuration with one terminal per simulated kiosk, and a board of ten races and two
/// matches in play (bets on those wait out the venue's in-play delay of 1 s).
final class APIDaemon {
    let directory: String
    let secrets: [String]
    private let process = Process()
    private(set) var port = 0

    /// `power`: the configuration's power section (the benchmarks drive the simulated source).
    init(directory: String, terminals: Int, power: String = "{ source: simulated }") throws {
        self.directory = directory
        try? FileManager.default.removeItem(atPath: directory)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var random = SystemRandom()
        secrets = (0..<terminals).map { _ in TerminalSecret.generate(using: &random).hex }
        let markets = (0..<10).map { race in
            """
            {"id": "b\(race)", "name": "Win", "event": {"id": "be\(race)", "name": "Bench race \(race)", "startsInMinutes": 60},
             "selections": [\((0..<4).map { "{\"id\": \"b\(race)-\($0)\", \"name\": \"R\($0)\", \"price\": \"\($0 + 2)/1\"}" }.joined(separator: ","))]}
            """
        }
        let matches = (0..<2).map { match in
            """
            {"id": "live\(match)", "name": "Result", "inPlay": true, "event": {"id": "le\(match)", "name": "Bench match \(match)", "startsInMinutes": -30},
             "selections": [\((0..<3).map { "{\"id\": \"live\(match)-\($0)\", \"name\": \"O\($0)\", \"price\": \"\($0 + 1)/1\"}" }.joined(separator: ","))]}
            """
        }
        try "{\"markets\": [\((markets + matches).joined(separator: ","))]}".write(toFile: directory + "/board.json", atomically: true, encoding: .utf8)
        let terminalsYAML = secrets.enumerated().map { "  - { id: bench-\($0.offset), role: kiosk, secret: \($0.element) }" }
            .joined(separator: "\n")
        let config = """
            appliance: { code: BNCH, currency: GBP, data_dir: data, log_level: error }
            api: { listen_host: 127.0.0.1, listen_port: 0, nonce_cache_capacity: 10000000 }
            journal: { max_open_tickets: 50000000 }
            limits:
              min_stake_per_line: "0.10"
              max_stake_per_bet: "500.00"
              max_payout_per_bet: "1000000.00"
              max_liability_per_selection: "100000000000.00"
              max_liability_per_market: "100000000000.00"
              terminal_max_stake_per_bet: "500.00"
              terminal_max_open_stake: "100000000000.00"
            terminals:
            \(terminalsYAML)
            power: \(power)
            in_play: { delay_seconds: 1, max_pending_per_terminal: 1, max_pending: 10000 }
            demo: { board_file: board.json, move_prices_every_seconds: 1 }
            """
        try config.write(toFile: directory + "/holdfast.yaml", atomically: true, encoding: .utf8)
    }

    /// Starts holdfastd and waits for the line that says where it listens.
    func start() throws {
        dropFromPageCache(Self.binary.path)
        process.executableURL = Self.binary
        process.arguments = ["--config", directory + "/holdfast.yaml"]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        var text = ""
        while !text.contains("\n") || !text.contains("listening on") {
            let chunk = output.fileHandleForReading.availableData
            guard !chunk.isEmpty else { throw BenchError("holdfastd exited before listening (is it built beside holdfast?)") }
            text += String(decoding: chunk, as: UTF8.self)
        }
        guard let range = text.range(of: "http://127.0.0.1:"),
              let port = Int(text[range.upperBound...].prefix { $0.isNumber })
        else { throw BenchError("cannot read holdfastd's port from: \(text)") }
        self.port = port
    }

    var processIdentifier: Int32 { process.processIdentifier }

    /// The read-ahead of the disk holding holdfastd's binary (see `readAheadKiB(ofDiskHolding:)`).
    var binaryReadAheadKiB: Int? { readAheadKiB(ofDiskHolding: Self.binary.path) }

    /// The release holdfastd beside this holdfast.
    private static var binary: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("holdfastd")
    }

    var controlSocket: String { directory + "/data/control.sock" }
    var powerStateFile: String { directory + "/power.state" }

    func residentMiB() -> Double { holdfast.residentMiB(of: process.processIdentifier) }

    func stop() {
        process.terminate()
        process.waitUntilExit()
    }
}

/// Asks the kernel to forget its cached pages of `path`, so the daemon's code is read from disk
/// as after a boot. Its idle RSS depends on how the file got into the page cache: the same
/// binary measured 37.5 MiB when its linker had just written it and 41.7 MiB after `cp` had
/// (docs/adr/0007-lld-and-packed-relocations.md), which made builds incomparable. A binary just
/// written is still dirty in the cache, and the kernel drops only clean pages: written back
/// first, or the first run after a build idled 4 MiB higher than the next (BENCHMARKS.md).
private func dropFromPageCache(_ path: String) {
    let descriptor = open(path, O_RDONLY)
    guard descriptor >= 0 else { return }
    _ = fsync(descriptor)
    _ = posix_fadvise(descriptor, 0, 0, POSIX_FADV_DONTNEED)
    close(descriptor)
}

/// The read-ahead, in KiB, of the block device holding `path` (nil when /sys does not say).
///
/// Idle RSS depends on it: each page fault before start-up is done reads this much of the binary
/// around the faulting page into the page cache, and the kernel then maps cached neighbours with
/// later faults. This machine's virtual disk reads 8 MiB ahead, an appliance's eMMC or SD card
/// typically 128 KiB, and the same build measured 2.5 MiB less idle RSS at 128
/// (docs/BENCHMARKS.md, "Memory").
func readAheadKiB(ofDiskHolding path: String) -> Int? {
    var status = stat()
    guard stat(path, &status) == 0 else { return nil }
    // glibc's major() and minor() are macros, which Swift does not import; this is their encoding.
    let major = (status.st_dev >> 8) & 0xFFF | (status.st_dev >> 32) & ~0xFFF
    let minor = status.st_dev & 0xFF | (status.st_dev >> 12) & ~0xFF
    let device = "/sys/dev/block/\(major):\(minor)"
    // A partition has no queue of its own; its disk, the directory above it, does.
    for queue in [device + "/queue", device + "/../queue"] {
        if let text = try? String(contentsOfFile: queue + "/read_ahead_kb", encoding: .utf8),
           let kibibytes = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
            return kibibytes
        }
    }
    return nil
}

/// Resident set size of a process, from /proc, in MiB (-1 when it cannot be read).
func residentMiB(of pid: Int32) -> Double {
    statusMiB(of: pid, field: "VmRSS:")
}

/// A kilobyte field of /proc/PID/status (`VmRSS:`, `RssAnon:`) in MiB (-1 when it cannot be read).
func statusMiB(of pid: Int32, field: String) -> Double {
    guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix(field) }),
          let kilobytes = Double(line.split(separator: " ").dropFirst().first ?? "")
    else { return -1 }
    return kilobytes / 1_024
}

/// CPU time process `pid` has used so far, user and system, in seconds (from /proc/PID/stat, in
/// clock ticks; -1 when it cannot be read).
func cpuSeconds(of pid: Int32) -> Double {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
          let afterName = stat.range(of: ") ", options: .backwards)
    else { return -1 }
    // Fields from the third (state) on; utime and stime are the 14th and 15th.
    let fields = stat[afterName.upperBound...].split(separator: " ")
    guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return -1 }
    return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
}

/// The memory process `pid` touches during `window`: the kernel's referenced bits are cleared
/// (`/proc/PID/clear_refs`), then counted again in `smaps`. RSS also counts every code page
/// start-up ran once and the neighbours the kernel maps with each page fault (fault-around),
/// so it overstates what an idle daemon uses; this is its working set. -1 when /proc refuses.
func workingSetMiB(of pid: Int32, over window: Duration) async -> Double {
    guard (try? "1".write(toFile: "/proc/\(pid)/clear_refs", atomically: false, encoding: .utf8)) != nil else { return -1 }
    try? await Task.sleep(for: window)
    guard let smaps = try? String(contentsOfFile: "/proc/\(pid)/smaps", encoding: .utf8) else { return -1 }
    let kilobytes = smaps.split(separator: "\n").lazy.filter { $0.hasPrefix("Referenced:") }
        .compactMap { Double($0.split(separator: " ").dropFirst().first ?? "") }.reduce(0, +)
    return kilobytes / 1_024
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
