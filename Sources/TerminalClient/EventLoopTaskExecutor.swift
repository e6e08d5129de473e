public import NIOCore

/// Runs Swift tasks on one SwiftNIO event loop. A task that prefers it
/// (`addTask(executorPreference:)`) and sends through a ``KeepAliveTransport`` on the same loop
/// never changes thread: the request is written, and its answer resumes the task, inside the loop
/// that reads the socket. On the default pool each request crossed threads twice (a wake-up of
/// the event loop to write it, one of a pool thread to resume the caller), and `holdfast bench
/// api`'s 64 kiosks spent a third of their CPU there, on the cores the daemon under test needs
/// (docs/benchmarks-history.md, "Terminal API").
///
/// Written here because the SwiftNIO in the package mirror does not make its event loops task
/// executors yet.
public final class EventLoopTaskExecutor: TaskExecutor {
    public let eventLoop: any EventLoop

    public init(_ eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
