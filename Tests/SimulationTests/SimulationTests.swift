import CSimulatedDisk
import Foundation
import Testing
import TestSupport

/// The deterministic simulation of the journal under power cuts (docs/RELIABILITY.md). Seeds
/// run one after another (the simulated disk is one per process); HOLDFAST_SIM_SEEDS sets how
/// many (CI: 300), HOLDFAST_SIM_SEED replays one.
@Suite("Deterministic simulation", .serialized, .timeLimit(.minutes(60)))
struct SimulationTests {
    /// Files of a simulated disk live in memory when they can: durability is the shim's to
    /// decide, so real fsyncs would only cost time.
    static let scratch: String? = FileManager.default.isWritableFile(atPath: "/dev/shm") ? "/dev/shm" : nil

    /// The seeds to run: `<name>` alone replays one; else 1 through `<name>S` (or `default`).
    static func seeds(_ name: String, default count: UInt64) -> [UInt64] {
        let environment = ProcessInfo.processInfo.environment
        if let one = environment[name].flatMap({ UInt64($0) }) { return [one] }
        return Array(1...max(1, environment[name + "S"].flatMap { UInt64($0) } ?? count))
    }

    @Test("journal: seeded commands, power cuts that lose and tear unsynced writes, invariants after every step")
    func journalUnderPowerCuts() async throws {
        #expect(holdfast_simdisk_register() == 0)
        let seeds = Self.seeds("HOLDFAST_SIM_SEED", default: 300)
        let started = ContinuousClock.now
        var total = JournalSimulation.Tally()
        var failures: [String] = []
        for seed in seeds {
            let directory = try TemporaryDirectory(under: SimulationTests.scratch)
            do { total.add(try await JournalSimulation(seed: seed, directory: directory.path).run()) } catch {
                failures.append("\(error)")
                Issue.record("\(error) (replay: HOLDFAST_SIM_SEED=\(seed) swift test --skip-build --filter SimulationTests)")
            }
        }
        let seconds = Double((ContinuousClock.now - started).components.seconds)
        print("simulation: \(seeds.count) seeds in \(Int(seconds)) s, \(total.crashes) power cuts, \(total.commands) commands "
              + "(\(total.acknowledged) acknowledged), unsynced writes kept \(total.writesKept) / lost \(total.writesLost) / torn \(total.writesTorn), "
              + "commands in doubt at a cut: \(total.inDoubtCommitted) on disk, \(total.inDoubtLost) not; "
              + "offline bets taken \(total.offlineTaken), refused by the offline limits \(total.offlineRefused); "
              + "WAL started again after checkpoints \(total.walRestarts) times; failures: \(failures.count)")
        #expect(total.writesLost + total.writesTorn > 0, "the cuts took unsynced writes back")
        #expect(total.walRestarts > 0, "checkpoints ran and the log started again")
    }

    @Test("uplink: the real UplinkService against central's admission rule through a faulty network, exactly once")
    func uplinkUnderNetworkFaults() async throws {
        let seeds = Self.seeds("HOLDFAST_SIM_UPLINK_SEED", default: 200)
        let started = ContinuousClock.now
        var total = UplinkSimulation.Tally()
        var failures = 0
        for seed in seeds {
            do { total.add(try await UplinkSimulation(seed: seed).run()) } catch {
                failures += 1
                Issue.record("\(error) (replay: HOLDFAST_SIM_UPLINK_SEED=\(seed) swift test --skip-build --filter SimulationTests)")
            }
        }
        let faults = total.faults.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        print("uplink simulation: \(seeds.count) seeds in \(Int((ContinuousClock.now - started).components.seconds)) s, "
              + "\(total.records) records pushed exactly once over \(total.requests) requests; faults: \(faults); failures: \(failures)")
        #expect(total.faults.values.reduce(0, +) > 0)
    }

    @Test("offline betting: WAN cuts, lost answers, results and verdicts in every order, clock steps, reboots with a wrong clock, in-play windows")
    func offlineBettingUnderAdversaries() async throws {
        let seeds = Self.seeds("HOLDFAST_SIM_OFFLINE_SEED", default: 100)
        let started = ContinuousClock.now
        var total = OfflineSimulation.Tally()
        var failures = 0
        for seed in seeds {
            let directory = try TemporaryDirectory(under: SimulationTests.scratch)
            do { total.add(try await OfflineSimulation(seed: seed, directory: directory.path).run()) } catch {
                failures += 1
                Issue.record("\(error) (replay: HOLDFAST_SIM_OFFLINE_SEED=\(seed) swift test --skip-build --filter SimulationTests/offline)")
            }
        }
        print("offline simulation: \(seeds.count) seeds in \(Int((ContinuousClock.now - started).components.seconds)) s, \(total.summary); failures: \(failures)")
        #expect(total.betsOffline > 0 && total.betsOnline > 0 && total.inPlayAccepted > 0 && total.inPlayDeclined > 0, "bets of every kind were taken")
        #expect(total.resultBeforeVerdict > 0 && total.verdictsVoided > 0 && total.bootsBehindLastRecord > 0, "the adversaries reached their cases")
    }

    @Test("power supervisor: a fake UPS's seeded story, every action checked against what it said")
    func supervisorUnderAFakeUPS() throws {
        let seeds = Self.seeds("HOLDFAST_SIM_SUPERVISOR_SEED", default: 2_000)
        var total = SupervisorSimulation.Tally()
        var failures = 0
        for seed in seeds {
            do { total.add(try SupervisorSimulation(seed: seed).run()) } catch {
                failures += 1
                Issue.record("\(error) (replay: HOLDFAST_SIM_SUPERVISOR_SEED=\(seed) swift test --skip-build --filter SimulationTests)")
            }
        }
        print("supervisor simulation: \(seeds.count) seeds, \(total.steps) steps, \(total.shutdowns) staged shutdowns "
              + "(\(total.resumed) resumed, \(total.commands) ran the command); failures: \(failures)")
        #expect(total.shutdowns > 0 && total.resumed > 0 && total.commands > 0, "the stories reached every ending")
    }

    @Test("a disk that lies about syncs loses acknowledged records, and the simulation says so")
    func lyingDiskIsCaught() async throws {
        #expect(holdfast_simdisk_register() == 0)
        holdfast_simdisk_lie_about_syncs(1)
        defer { holdfast_simdisk_lie_about_syncs(0) }
        var caught = 0
        for seed in UInt64(1)...10 {
            let directory = try TemporaryDirectory(under: SimulationTests.scratch)
            var simulation = JournalSimulation(seed: seed, directory: directory.path)
            simulation.loseEverythingUnsynced = true
            do { _ = try await simulation.run() } catch { caught += 1 }
        }
        #expect(caught >= 8, "the simulation caught lost acknowledged records in \(caught) of 10 seeds")
    }
}
