import Foundation

/// Whether a file appears at `path` within `bound`, looked for every 10 ms: how a test learns
/// that a child process (a shutdown command, socat's pty link) has done its part, when nothing
/// else says so.
public func fileAppears(at path: String, within bound: Duration) async -> Bool {
    let deadline = ContinuousClock.now + bound
    while !FileManager.default.fileExists(atPath: path) {
        guard ContinuousClock.now < deadline else { return false }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return true
}
