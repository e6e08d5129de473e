import Foundation
import TestSupport
import Testing

/// The short version of the power-cut gauntlet (Tests/PowerCutGauntlet, docs/RELIABILITY.md):
/// holdfastd in a qemu VM on an ext4 disk image, syncing to a real central on the host, qemu
/// SIGKILLed five times: under load, in a staged shutdown, in a sync batch, in a backup, in a WAL
/// checkpoint. Its own suite, run after the others (scripts/test): the VM takes a core for a few
/// minutes.
@Suite("Gauntlet", .serialized)
struct GauntletSuites {
    @Suite("Real power cuts in a VM", .timeLimit(.minutes(15)))
    struct PowerCutVMTests {
        @Test("a cut of each kind: every acknowledged bet survives, none is made twice, central and the backups agree")
        func oneCutOfEachKind() async throws {
            let seed = UInt64.random(in: 1...UInt64.max)
            let run = try LineReadingChild(executable: try BuiltProducts.path(of: "PowerCutGauntlet"),
                                           arguments: ["--cuts", "5", "--seed", "\(seed)", "--terminals", "8"])
            var lines: [String] = []
            while let line = await run.nextLine() {
                print(line)
                lines.append(line)
            }
            let status = await run.exitStatus()
            let summary = lines.last { $0.hasPrefix("power cuts: ") }
            #expect(status == 0, "seed \(seed): \(lines.suffix(12).joined(separator: "\n"))")
            #expect(summary?.hasSuffix("lost: 0, duplicated: 0") == true, "seed \(seed): \(summary ?? "no summary line")")
            let acknowledged = summary.flatMap { $0.split(separator: ",").first { $0.contains("acknowledged bets") } }
                .flatMap { Int($0.split(separator: " ").last ?? "") } ?? 0
            #expect(acknowledged > 0, "the terminals had bets acknowledged between the cuts")
        }
    }
}
