import Foundation
import Testing
import TestSupport
import TerminalClient
import TerminalProtocol

extension SyncSuites {
    /// The link between appliance and central breaks in every way the issue lists, through a
    /// fault-injecting proxy, while terminals keep placing bets. After each fault, central must
    /// hold every journaled record exactly once and in order, with the chain intact, and every
    /// ticket a terminal saw acknowledged.
    @Suite("Sync survives uplink faults, central and PostgreSQL restarts", .timeLimit(.minutes(4)))
    struct SyncFaultTests {
        final class Rig {
            let central: CentralFixture
            let proxy: FaultProxy
            let daemon: DaemonFixture
            let client: TerminalClient

            init() async throws {
                central = try CentralFixture()
                try await central.start()
                proxy = try FaultProxy(upstreamPort: central.port)
                daemon = try DaemonFixture(extraConfig: central.uplinkSection(port: proxy.port))
                client = daemon.client(port: try await daemon.start())
            }

            deinit { daemon.terminateInBackground() }

            /// With bets still flowing: central catches up with everything journaled so far,
            /// holds each of those records once, and every ticket acknowledged so far.
            func checkCatchesUp(_ load: SyncLoad, after what: String) async throws {
                let acknowledged = load.tickets
                let head = try await client.send(.GET, "/v1/appliance").decode(ApplianceStateView.self).journalHeadSeq
                // A reconnect after backoff, a backlog, PostgreSQL recovering: seconds unloaded; 60 s
                // leaves a loaded machine plenty, and only a stuck uplink waits it out.
                let deadline = ContinuousClock.now + .seconds(60)
                while try central.highWater() < head {
                    guard ContinuousClock.now < deadline else {
                        throw TestFailure("after \(what): central stuck at \(try central.highWater()) below \(head)")
                    }
                    try await Task.sleep(for: .milliseconds(100))
                }
                let counts = try central.recordCounts(upTo: head)
                #expect(counts.rows == head && counts.distinct == head, "after \(what): records up to \(head) not all once: \(counts)")
                let all = try central.recordCounts()
                #expect(all.rows == all.distinct && all.max == all.rows, "after \(what): a record doubled or missing: \(all)")
                let missing = acknowledged.subtracting(try central.ticketIDs())
                #expect(missing.isEmpty, "after \(what): acknowledged tickets not at central: \(missing.sorted().prefix(5))")
                #expect(try central.verify().contains("chain of"), "after \(what)")
            }

            /// With the load stopped: central holds exactly what the appliance journaled. Answers
            /// the acknowledged tickets central lacks and the records it holds more than once.
            @discardableResult
            func checkExactlyOnce(_ load: SyncLoad, after what: String) async throws -> (lost: Int, duplicated: Int64) {
                let head = try await Convergence.wait(daemon: client, central: central)
                let counts = try central.recordCounts()
                try Convergence.expectExactlyOnce(central, head: head, what)
                let missing = load.tickets.subtracting(try central.ticketIDs())
                #expect(missing.isEmpty, "after \(what): acknowledged tickets not at central: \(missing.sorted().prefix(5))")
                try await checkVerdicts(after: what)
                return (missing.count, counts.rows - counts.distinct)
            }

            /// Every bet taken offline has central's verdict, and the appliance has applied it (the
            /// demo board is not central's, so each is voided as an unknown market).
            func checkVerdicts(after what: String) async throws {
                let offline = try central.postgres.psql("""
                    SELECT convert_from(payload, 'UTF8')::jsonb->>'ticketID' FROM journal_records
                    WHERE kind = 'bet.placed' AND convert_from(payload, 'UTF8')::jsonb->>'takenOffline' = 'true'
                    """).split(separator: "\n").map(String.init)
                #expect(try central.postgres.psql("SELECT count(*) FROM verdicts") == String(offline.count),
                        "after \(what): central decided every offline bet")
                for ticket in offline {
                    let view = try await Feed.waitForTicket(client, ticket) { $0.status == .voided }
                    #expect(view.voidReason?.contains("unknown_market") == true, "after \(what): \(ticket): \(String(describing: view.voidReason))")
                }
                print("after \(what): \(offline.count) bets taken offline, each with central's verdict applied on the appliance")
            }

            func uplinkState() async throws -> String {
                try await client.send(.GET, "/v1/appliance").decode(ApplianceStateView.self).uplink.state
            }

            /// Whether the uplink reaches `state` within `bound`, asked every 100 ms.
            func uplinkReaches(_ state: String, within bound: Duration) async throws -> Bool {
                let deadline = ContinuousClock.now + bound
                while try await uplinkState() != state {
                    guard ContinuousClock.now < deadline else { return false }
                    try await Task.sleep(for: .milliseconds(100))
                }
                return true
            }
        }

        @Test("each fault in turn: resets, blackhole, latency, lost answers, central killed, PostgreSQL crashed")
        func eachFault() async throws {
            let rig = try await Rig()
            let load = SyncLoad()
            let client = rig.client
            async let placing: Void = load.run(client: client, pause: .milliseconds(30))
            defer { load.stop() }

            rig.proxy.set(.resetRequests)
            try await Task.sleep(for: .seconds(2))
            rig.proxy.set(.none)
            try await rig.checkCatchesUp(load, after: "connection resets mid-request")

            // Held until the appliance says offline (a 1 s request timeout, or the 3 s freshness bound),
            // rather than for 4 s: a loaded machine can take longer to get there. 60 s is plenty.
            rig.proxy.set(.blackhole)
            rig.proxy.resetAll()
            #expect(try await rig.uplinkReaches("offline", within: .seconds(60)), "a blackholed link is offline")
            rig.proxy.set(.none)
            try await rig.checkCatchesUp(load, after: "a blackhole")

            rig.proxy.set(.latency(milliseconds: 150))
            try await Task.sleep(for: .seconds(2))
            rig.proxy.set(.none)
            try await rig.checkCatchesUp(load, after: "high latency")

            // Held 2 s, and on until an answer was dropped: how many pushes fit in 2 s depends on the load.
            let injectedBefore = rig.proxy.faultsInjected
            rig.proxy.set(.dropResponses)
            try await Task.sleep(for: .seconds(2))
            let dropping = ContinuousClock.now + .seconds(60)
            while rig.proxy.faultsInjected == injectedBefore, ContinuousClock.now < dropping {
                try await Task.sleep(for: .milliseconds(100))
            }
            rig.proxy.set(.none)
            #expect(rig.proxy.faultsInjected > injectedBefore, "central's answers were dropped")
            try await rig.checkCatchesUp(load, after: "answers dropped after central committed")

            await rig.central.kill()
            try await Task.sleep(for: .seconds(1))
            try await rig.central.start()
            try await rig.checkCatchesUp(load, after: "central killed mid-stream")

            try rig.central.postgres.stop(mode: "immediate")
            try await Task.sleep(for: .seconds(1))
            try rig.central.postgres.start()
            try await rig.checkCatchesUp(load, after: "PostgreSQL crashed and restarted")

            load.stop()
            try await placing
            try await rig.checkExactlyOnce(load, after: "the last bet")
            print("sync faults: each kind once, \(rig.proxy.faultsInjected) injected by the proxy, \(load.tickets.count) bets acknowledged")
        }

        /// The seed is printed; HOLDFAST_SYNC_CHAOS_SEED replays one.
        @Test("a randomized run of 24 faults, exactly once at the end")
        func randomizedFaults() async throws {
            let seed = ProcessInfo.processInfo.environment["HOLDFAST_SYNC_CHAOS_SEED"].flatMap { UInt64($0) } ?? 0x5EED_0001
            try await Self.chaos(seed: seed, steps: 24)
        }

        /// Faults picked by `seed`, each held 0.2 to 1.2 s, while terminals place bets; then
        /// central must hold every journaled record once and every acknowledged ticket.
        static func chaos(seed: UInt64, steps: Int) async throws {
            let rig = try await Rig()
            let load = SyncLoad()
            let client = rig.client
            async let placing: Void = load.run(client: client, pause: .milliseconds(30))
            defer { load.stop() }
            var random = SplitMix64(seed: seed)
            var tally: [String: Int] = [:]
            for _ in 0..<steps {
                let hold = Duration.milliseconds(Int.random(in: 200...1_200, using: &random))
                switch Int.random(in: 0..<8, using: &random) {
                case 0: tally["reset", default: 0] += 1; rig.proxy.set(.resetRequests)
                case 1: tally["blackhole", default: 0] += 1; rig.proxy.set(.blackhole); rig.proxy.resetAll()
                case 2: tally["latency", default: 0] += 1; rig.proxy.set(.latency(milliseconds: Int.random(in: 50...400, using: &random)))
                case 3: tally["drop answers", default: 0] += 1; rig.proxy.set(.dropResponses)
                case 4: tally["refuse", default: 0] += 1; rig.proxy.set(.refuseConnections); rig.proxy.resetAll()
                case 5:
                    tally["central killed", default: 0] += 1
                    await rig.central.kill()
                    try await Task.sleep(for: hold)
                    try await rig.central.start()
                    continue
                case 6:
                    tally["postgres crashed", default: 0] += 1
                    try rig.central.postgres.stop(mode: "immediate")
                    try await Task.sleep(for: hold)
                    try rig.central.postgres.start()
                    continue
                default: tally["clear", default: 0] += 1; rig.proxy.set(.none)
                }
                try await Task.sleep(for: hold)
            }
            rig.proxy.set(.none)
            load.stop()
            try await placing
            let outcome = try await rig.checkExactlyOnce(load, after: "the randomized run (seed \(seed))")
            let faults = tally.filter { $0.key != "clear" }.values.reduce(0, +)
            print("sync chaos (seed \(seed)): \(faults) faults \(tally.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")); "
                  + "\(rig.proxy.faultsInjected) injected by the proxy; acknowledged bets: \(load.tickets.count), lost: \(outcome.lost), duplicated: \(outcome.duplicated)")
        }
    }
}

extension SyncSuites {
    /// The long uplink chaos of scripts/gauntlet: HOLDFAST_SYNC_CHAOS_STEPS faults (with
    /// HOLDFAST_SYNC_CHAOS_SEED, or a fresh seed that is printed). Off unless the steps are set.
    @Suite("Long uplink chaos", .timeLimit(.minutes(120)),
           .enabled(if: ProcessInfo.processInfo.environment["HOLDFAST_SYNC_CHAOS_STEPS"] != nil, "set HOLDFAST_SYNC_CHAOS_STEPS"))
    struct LongSyncChaosTests {
        @Test("a long randomized run of faults, exactly once at the end")
        func longChaos() async throws {
            let environment = ProcessInfo.processInfo.environment
            let steps = try #require(environment["HOLDFAST_SYNC_CHAOS_STEPS"].flatMap { Int($0) }, "HOLDFAST_SYNC_CHAOS_STEPS is a number")
            let seed = environment["HOLDFAST_SYNC_CHAOS_SEED"].flatMap { UInt64($0) } ?? UInt64.random(in: 1...UInt64.max)
            try await SyncFaultTests.chaos(seed: seed, steps: steps)
        }
    }
}
