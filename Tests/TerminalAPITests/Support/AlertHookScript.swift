import Foundation
import TestSupport

/// A local alert hook for tests (`alerts.command`): a script that appends one line per alert,
/// `CATEGORY|APPLIANCE|MESSAGE`, to a log the test reads.
struct AlertHookScript {
    /// Holds the script and its log; removed with the last copy of this value.
    let directory: TemporaryDirectory
    let path: String
    let log: String

    init() throws {
        directory = try TemporaryDirectory()
        path = directory.path + "/alert.sh"
        log = directory.path + "/alerts.log"
        try "#!/bin/sh\necho \"$HOLDFAST_ALERT_CATEGORY|$HOLDFAST_APPLIANCE|$HOLDFAST_ALERT_MESSAGE\" >> \(log)\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
    }

    var lines: [String] { ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init) }

    /// The first alert of `category`, waiting up to `bound` for it; nil when none came.
    ///
    /// 60 s by default: a daemon (perhaps a ThreadSanitizer build beside CPU hogs) notices, then
    /// runs a shell; it returns as soon as the line is there, so only a missing alert waits it out.
    func first(_ category: String, within bound: Duration = .seconds(60)) async throws -> String? {
        let started = ContinuousClock.now
        while ContinuousClock.now - started < bound {
            if let line = lines.first(where: { $0.hasPrefix(category + "|") }) { return line }
            try await Task.sleep(for: .milliseconds(50))
        }
        return nil
    }
}
