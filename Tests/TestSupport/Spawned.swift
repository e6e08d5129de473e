import CChildSpawn
public import Foundation

/// A child process started with posix_spawn and reaped by a thread of its own, for the tests'
/// children whose exit a test waits for.
///
/// Not Foundation's `Process`: it learns of a child's exit when a socket the child inherited
/// closes, then reaps it with a blocking `waitpid` on its one manager thread. A child that closes
/// inherited descriptors early (as daemons do) holds that thread until it exits, and every other
/// child's exit goes unseen meanwhile; a grandchild that keeps the socket (`pg_ctl start`'s
/// server) means its parent is never reaped; and `waitUntilExit()` spins while it waits. Under
/// ThreadSanitizer the whole suite once hung that way.
///
/// Sendable: its one mutable part, the exit and who waits for it, is only touched under `exit`.
public final class Spawned: @unchecked Sendable {
    public let pid: Int32
    /// The exit status once known, and the tasks waiting for it; `broadcast` wakes ``waitBlocking()``.
    private let exit = NSCondition()
    private var exitStatus: Int32?
    private var waiting: [CheckedContinuation<Int32, Never>] = []

    /// `standardInput`, `standardOutput`, `standardError`: descriptors the child gets as 0, 1 and
    /// 2 (nil: this process's own). Every other descriptor is closed in the child, and it starts
    /// with no signal blocked (the test process may block some; ServiceLifecycle does).
    public init(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                standardInput: Int32? = nil, standardOutput: Int32? = nil, standardError: Int32? = nil) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for (source, target) in [(standardInput, Int32(0)), (standardOutput, 1), (standardError, 2)] {
            if let source { posix_spawn_file_actions_adddup2(&actions, source, target) }
        }
        child_spawn_close_from(&actions, 3)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK))
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let variables = environment ?? ProcessInfo.processInfo.environment
        let envp = variables.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { envp.forEach { free($0) } }
        var pid = pid_t()
        let spawned = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard spawned == 0 else { throw ChildProcessError("cannot run \(executable): \(String(cString: strerror(spawned)))") }
        self.pid = pid
        let child = pid
        Thread.detachNewThread {
            var status: Int32 = 0
            while waitpid(child, &status, 0) < 0 && errno == EINTR {}
            // WIFSIGNALED / WTERMSIG and WEXITSTATUS, which Swift does not import: the signal's
            // number for a child a signal ended, as Foundation's terminationStatus gives it.
            self.record(status & 0x7f != 0 ? status & 0x7f : (status >> 8) & 0xff)
        }
    }

    private func record(_ code: Int32) {
        let waiting = exit.withLock {
            exitStatus = code
            exit.broadcast()
            defer { self.waiting = [] }
            return self.waiting
        }
        for continuation in waiting { continuation.resume(returning: code) }
    }

    /// The exit status (or the number of the signal that ended it), once the child has exited.
    public func status() async -> Int32 {
        await withCheckedContinuation { continuation in
            let exited = exit.withLock { () -> Int32? in
                if exitStatus == nil { waiting.append(continuation) }
                return exitStatus
            }
            if let exited { continuation.resume(returning: exited) }
        }
    }

    /// ``status()``, blocking the calling thread: only for short waits (``Command/run(_:_:)``'s
    /// commands, a killed child).
    public func waitBlocking() -> Int32 {
        exit.withLock {
            while exitStatus == nil { exit.wait() }
            return exitStatus!
        }
    }

    public func signal(_ signal: Int32) { kill(pid, signal) }
}

/// A pipe whose two ends are closed on exec, so a child gets only the end it is handed.
public struct ChildPipe: Sendable {
    public let readEnd: Int32
    public let writeEnd: Int32

    public init() throws {
        var ends: [Int32] = [0, 0]
        guard child_spawn_pipe_cloexec(&ends) == 0 else { throw ChildProcessError("cannot make a pipe: \(String(cString: strerror(errno)))") }
        (readEnd, writeEnd) = (ends[0], ends[1])
    }
}
