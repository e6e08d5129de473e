import Foundation
import Testing
import TestSupport

/// One fuzz test's run: a fixed base seed, a number of cases, and for each case a generator seeded
/// from both, so any single case can be run again alone. Failures are recorded with the seed and
/// case index that reproduce them; a crash or a hang is reported by ``CrashReport`` instead, since
/// it ends the process before any expectation could.
///
/// The environment tunes a run without editing the tests:
/// - `HOLDFAST_FUZZ_CASES=N`: N cases for every fuzz test instead of each one's default;
/// - `HOLDFAST_FUZZ_SEED=0x…`: another base seed, to explore inputs the fixed seeds never reach;
/// - `HOLDFAST_FUZZ_CASE=I`: only case I (with the seed printed in the failure), to reproduce it.
struct FuzzCampaign {
    let name: String
    let baseSeed: UInt64
    let cases: Int
    /// `swift test --filter` for this test alone: its file is named for its suite.
    let testFilter: String
    private let onlyCase: Int?
    /// A few failures say what is wrong; hundreds would bury it.
    private static let failuresRecorded = 5

    init(_ name: String, seed: UInt64, defaultCases: Int, fileID: String = #fileID, function: String = #function) {
        let environment = ProcessInfo.processInfo.environment
        self.name = name
        let suite = fileID.split(separator: "/").last.map { $0.replacingOccurrences(of: ".swift", with: "") } ?? ""
        testFilter = "FuzzTests.\(suite)/\(function.prefix { $0 != "(" })"
        baseSeed = environment["HOLDFAST_FUZZ_SEED"].flatMap(Self.parseSeed) ?? seed
        cases = environment["HOLDFAST_FUZZ_CASES"].flatMap { Int($0) }.map { max(1, $0) } ?? defaultCases
        onlyCase = environment["HOLDFAST_FUZZ_CASE"].flatMap { Int($0) }
    }

    /// Runs every case. `check` returns nil when the case holds, or what went wrong, input included.
    func run(_ check: (inout Mutator) async throws -> String?) async {
        let indices = onlyCase.map { $0...$0 } ?? 0...(cases - 1)
        let slot = CrashReport.claim(name: name, seed: baseSeed, testFilter: testFilter)
        defer { CrashReport.release(slot) }
        var failures = 0
        var slowest = Duration.zero
        let clock = ContinuousClock()
        let started = clock.now
        for index in indices {
            CrashReport.begin(slot, caseIndex: index)
            let caseStarted = clock.now
            var mutator = Mutator(seed: Self.caseSeed(baseSeed, index))
            let problem: String?
            do { problem = try await check(&mutator) } catch { problem = "the check itself threw \(error)" }
            CrashReport.end(slot)
            slowest = max(slowest, clock.now - caseStarted)
            // Campaigns run in parallel on the few threads of the cooperative pool; a campaign
            // that never yields starves the others' timers (the NUT session's answer timeout).
            if index % 8 == 0 { await Task.yield() }
            guard let problem else { continue }
            failures += 1
            if failures <= Self.failuresRecorded {
                let report = "fuzz \(name): case \(index) of seed \(Self.hex(baseSeed)) failed: \(problem)\n  reproduce: \(reproduction(index))"
                print(report)
                Issue.record(Comment(rawValue: report))
            }
        }
        let elapsed = clock.now - started
        print("fuzz \(name): \(indices.count) cases, seed \(Self.hex(baseSeed)), \(failures) failures "
              + "(\(String(format: "%.2f", Self.seconds(elapsed))) s, slowest case \(String(format: "%.1f", Self.seconds(slowest) * 1_000)) ms)")
    }

    func reproduction(_ index: Int) -> String {
        "HOLDFAST_FUZZ_SEED=\(Self.hex(baseSeed)) HOLDFAST_FUZZ_CASE=\(index) swift test --skip-build --filter \(testFilter)"
    }

    /// Each case's own seed: mixed so that neighbouring cases do not share a stream shifted by one.
    static func caseSeed(_ base: UInt64, _ index: Int) -> UInt64 {
        var mixer = SplitMix64(seed: base ^ (UInt64(index) &* 0xD1B5_4A32_D192_ED03))
        return mixer.next()
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    static func hex(_ value: UInt64) -> String { "0x" + String(value, radix: 16, uppercase: true) }

    private static func parseSeed(_ text: String) -> UInt64? {
        text.lowercased().hasPrefix("0x") ? UInt64(text.dropFirst(2), radix: 16) : UInt64(text)
    }
}

/// Inputs shown in failure reports: control and non-ASCII bytes escaped, long ones cut.
enum Shown {
    static func bytes(_ bytes: some Collection<UInt8>, limit: Int = 240) -> String {
        var text = ""
        for byte in bytes.prefix(limit) {
            switch byte {
            case 0x5C: text += "\\\\"
            case 0x20...0x7E: text.append(Character(UnicodeScalar(byte)))
            default: text += "\\x" + (byte < 16 ? "0" : "") + String(byte, radix: 16)
            }
        }
        return "\"" + text + "\"" + (bytes.count > limit ? "… (\(bytes.count) bytes)" : "")
    }

    static func text(_ text: String, limit: Int = 240) -> String {
        bytes(Array(text.utf8), limit: limit)
    }
}
