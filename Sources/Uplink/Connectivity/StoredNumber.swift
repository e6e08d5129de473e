import Foundation

/// One number kept in a small file (the last contact with central, the feed cursor), replaced
/// whole: written beside it and renamed over it, so a crash leaves the old value or the new.
struct StoredNumber: Sendable {
    let path: String

    /// The number written down, or nil when there is none yet.
    func read() -> Int64? {
        (try? String(contentsOfFile: path, encoding: .utf8)).flatMap { Int64($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    /// False when the file could not be written (the old value stays).
    @discardableResult
    func write(_ value: Int64) -> Bool {
        let temporary = path + ".tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: Data("\(value)\n".utf8)) else { return false }
        return rename(temporary, path) == 0
    }
}
