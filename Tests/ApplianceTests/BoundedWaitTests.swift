@testable import Appliance
import NIOConcurrencyHelpers
import Testing

@Suite("The power path's bounded waits")
struct BoundedWaitTests {
    @Test("work that finishes in time answers true at once")
    func finishesInTime() async {
        let clock = ContinuousClock()
        let started = clock.now
        #expect(await finishesWithin(.seconds(30)) { try? await Task.sleep(for: .milliseconds(5)) })
        #expect(clock.now - started < .seconds(10), "it did not wait for the bound")
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
        #expect(!finished)
        #expect(clock.now - started >= .milliseconds(100) && clock.now - started < .seconds(10))
        #expect(!done.withLockedValue { $0 })
        release.continuation.finish()
        while !done.withLockedValue({ $0 }) { await Task.yield() }
    }
}
