public import Foundation

/// A temporary directory, removed when the last reference goes.
public final class TemporaryDirectory: Sendable {
    public let path: String

    /// `under`: the parent directory (a tmpfs such as /dev/shm where fsync costs nothing); the
    /// system's temporary directory by default.
    public init(under parent: String? = nil) throws {
        let base = parent.map { URL(fileURLWithPath: $0) } ?? FileManager.default.temporaryDirectory
        path = base.appendingPathComponent("holdfast-test-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// Finds an executable of this package next to the test bundle (`swift build --build-tests`
/// builds them all into the same folder).
public enum BuiltProducts {
    public static func path(of name: String) throws -> String {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        if directory.lastPathComponent == "MacOS" { // an .xctest bundle on macOS
            directory = directory.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        }
        let candidate = directory.appendingPathComponent(name).path
        guard FileManager.default.isExecutableFile(atPath: candidate) else {
            throw ChildProcessError("\(name) is not built at \(candidate): run `swift build --build-tests` first")
        }
        return candidate
    }
}

public struct ChildProcessError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// A child process whose standard output the test reads line by line.
///
/// One thread of its own reads the child's output into lines for the whole of its life, and the
/// exit is awaited (``Spawned``), so no wait holds a thread that runs tasks. (A thread per read
/// was too dear: under ThreadSanitizer every thread start is slow, and a test reads hundreds of
/// lines.) Read by one task at a time: `lines`' iterator is not shared.
public final class LineReadingChild: @unchecked Sendable {
    public let child: Spawned
    private let input: FileHandle?
    private var lines: AsyncStream<String>.Iterator

    /// `environment`: added to this process's own. `acceptsInput`: its standard input is a pipe
    /// that ``send(_:)`` writes to, rather than this process's own. Its standard error is this
    /// process's own.
    public init(executable: String, arguments: [String], environment: [String: String] = [:], acceptsInput: Bool = false) throws {
        let outputPipe = try ChildPipe()
        let inputPipe = acceptsInput ? try ChildPipe() : nil
        defer {
            close(outputPipe.writeEnd)
            if let inputPipe { close(inputPipe.readEnd) }
        }
        child = try Spawned(executable, arguments, environment: ProcessInfo.processInfo.environment.merging(environment) { $1 },
                            standardInput: inputPipe?.readEnd, standardOutput: outputPipe.writeEnd)
        input = inputPipe.map { FileHandle(fileDescriptor: $0.writeEnd, closeOnDealloc: true) }
        let output = FileHandle(fileDescriptor: outputPipe.readEnd, closeOnDealloc: true)
        let (stream, continuation) = AsyncStream.makeStream(of: String.self)
        lines = stream.makeAsyncIterator()
        Thread.detachNewThread {
            var buffer: [UInt8] = []
            while case let chunk = output.availableData, !chunk.isEmpty {
                buffer.append(contentsOf: chunk)
                while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                    continuation.yield(String(decoding: buffer[..<newline], as: UTF8.self))
                    buffer.removeSubrange(...newline)
                }
            }
            continuation.finish()
        }
    }

    /// The next complete line, or nil at end of output.
    public func nextLine() async -> String? {
        await lines.next()
    }

    /// Writes to the child's standard input (only for a child started with `acceptsInput`).
    public func send(_ text: String) {
        precondition(input != nil, "the child was started without acceptsInput")
        input?.write(Data(text.utf8))
    }

    /// Waits for the child to exit; answers its exit status.
    public func exitStatus() async -> Int32 {
        await child.status()
    }

    /// SIGKILL: no chance to flush, checkpoint or close anything.
    public func kill() async {
        child.signal(SIGKILL)
        _ = await child.status()
    }

    /// SIGTERM, then waits for the exit status.
    public func terminate() async -> Int32 {
        child.signal(SIGTERM)
        return await child.status()
    }

    /// SIGTERM without waiting, for a `defer` (which cannot await): `keepAlive` (the fixture
    /// owning the child's directory) is kept until the child has exited.
    public func terminateInBackground(keepAlive: AnyObject? = nil) {
        child.signal(SIGTERM)
        nonisolated(unsafe) let held = keepAlive
        Task { [child] in
            _ = await child.status()
            withExtendedLifetime(held) {}
        }
    }
}

/// What a process run to completion printed, and how it exited.
public struct Completed: Sendable {
    public var output: String
    public var errors: String
    public var status: Int32
}

/// Runs `executable` to completion, with `input` on its standard input; answers its standard
/// output and error (each read to the end on a thread of its own, so that neither pipe can fill
/// while the other is read) and its exit status.
public func runToCompletion(_ executable: String, _ arguments: [String], input: String? = nil) async throws -> Completed {
    let (output, errors, feed) = (try ChildPipe(), try ChildPipe(), try ChildPipe())
    let child: Spawned
    do {
        defer { [output.writeEnd, errors.writeEnd, feed.readEnd].forEach { close($0) } }
        child = try Spawned(executable, arguments, standardInput: feed.readEnd, standardOutput: output.writeEnd,
                            standardError: errors.writeEnd)
    }
    let feeding = FileHandle(fileDescriptor: feed.writeEnd, closeOnDealloc: true)
    if let input { feeding.write(Data(input.utf8)) }
    try feeding.close()
    let readOutput = FileHandle(fileDescriptor: output.readEnd, closeOnDealloc: true)
    let readErrors = FileHandle(fileDescriptor: errors.readEnd, closeOnDealloc: true)
    async let outputText = offPool { String(decoding: readOutput.readDataToEndOfFile(), as: UTF8.self) }
    async let errorText = offPool { String(decoding: readErrors.readDataToEndOfFile(), as: UTF8.self) }
    let (text, errorsText) = await (outputText, errorText)
    return Completed(output: text, errors: errorsText, status: await child.status())
}

/// A command run to completion, its output captured.
public enum Command {
    /// Answers standard output and error together, trimmed; throws them when the exit status is not 0.
    ///
    /// ``Spawned`` rather than Foundation's Process: waitUntilExit was seen never to return here
    /// once `runuser … pg_ctl start` had exited (its zombie never reaped), and output goes to a
    /// file because the server pg_ctl starts would hold a pipe open. Blocks the calling thread:
    /// for short commands only.
    @discardableResult
    public static func run(_ executable: String, _ arguments: [String]) throws -> String {
        let outputPath = FileManager.default.temporaryDirectory.appendingPathComponent("holdfast-command-\(UUID().uuidString)").path
        defer { unlink(outputPath) }
        let output = open(outputPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        let nothing = open("/dev/null", O_RDONLY | O_CLOEXEC)
        defer { [output, nothing].filter { $0 >= 0 }.forEach { close($0) } }
        guard output >= 0, nothing >= 0 else { throw ChildProcessError("cannot open \(outputPath) or /dev/null for \(executable)") }
        let status = try Spawned(executable, arguments, standardInput: nothing, standardOutput: output, standardError: output)
            .waitBlocking()
        let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        guard status == 0 else {
            throw ChildProcessError("\((executable as NSString).lastPathComponent) \(arguments.joined(separator: " ")) failed (status \(status)): \(text)")
        }
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
