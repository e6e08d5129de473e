@testable import Appliance
import NIOConcurrencyHelpers
import Testing

/// No upper bounds on elapsed time: under a sanitizer, with every suite running at once, a task
/// can wait tens of seconds for a thread. What is checked cannot pass by luck: work that never
/// finishes by itself cannot make the wait answer true, nor a wait for it ever return.
@Suite("The power path's bounded waits")
struct BoundedWaitTests {
    @Test("work that finishes in time answers true, without waiting for the bound")
    func finishesInTime() async {
        let clock = ContinuousClock()
        let started = clock.now
        #expect(await finishesWithin(.seconds(120)) { try? await Task.sleep(for: .milliseconds(5)) })
        #expect(clock.now - started < .seconds(120), "answered when the work finished, not at the bound")
    }

    @Test("work that hangs gives way at the bound, and goes on to finish later")
    func hangingWorkGivesWay() async {
        let done = NIOLockedValueBox(false)
        let release = AsyncStream<Void>.makeStream()
        let clock = ContinuousClock()
        let started = clock.now
        let finished = await finishesWithin(.milliseconds(100)) {
            for await _ in release.stream {} // a hung journal: nothing comes until it is released
            done.withLockedValue { $0 = true }
        }
        #expect(!finished && clock.now - started >= .milliseconds(100))
        #expect(!done.withLockedValue { $0 })
        release.continuation.finish()
        while !done.withLockedValue({ $0 }) { await Task.yield() }
    }
}
