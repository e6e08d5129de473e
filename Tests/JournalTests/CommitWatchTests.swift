@testable import Journal
import Testing

@Suite("CommitWatch: waiting for the next commit")
struct CommitWatchTests {
    @Test("a wait returns on a commit beyond it, or at its timeout")
    func returnsOnCommitOrTimeout() async {
        let watch = CommitWatch(head: 3)
        let clock = ContinuousClock()
        let started = clock.now
        await watch.wait(beyond: 3, timeout: .milliseconds(50))
        #expect(clock.now - started >= .milliseconds(50), "nothing was committed, so the wait lasted its timeout")

        let waiting = Task { await watch.wait(beyond: 3, timeout: .seconds(30)) }
        while watch.slotCount == 0 { await Task.yield() }
        watch.advance(to: 4)
        await waiting.value
        #expect(watch.slotCount == 0)
        await watch.wait(beyond: 3, timeout: .seconds(30)) // already beyond: returns at once
    }

    @Test("cancelled, timed-out and committed waits all leave nothing behind, however they race")
    func leavesNothingBehind() async {
        let watch = CommitWatch(head: 0)
        // Already cancelled, with the head already beyond: both the cancellation and the commit
        // want to end the wait before it registers.
        watch.advance(to: 5)
        let cancelledEarly = Task { await watch.wait(beyond: 1, timeout: .seconds(30)) }
        cancelledEarly.cancel()
        await cancelledEarly.value

        await withTaskGroup(of: Void.self) { group in
            for round in 0..<400 {
                group.addTask { await watch.wait(beyond: Int64(5 + round / 4), timeout: .microseconds(100 * (round % 7))) }
                if round % 3 == 0 { watch.advance(to: Int64(6 + round / 4)) }
            }
            for round in 0..<50 {
                let task = Task { await watch.wait(beyond: 10_000, timeout: .seconds(30)) }
                if round % 2 == 0 { await Task.yield() }
                task.cancel()
                await task.value
            }
        }
        #expect(watch.slotCount == 0, "every wait removed its slot")
    }
}
