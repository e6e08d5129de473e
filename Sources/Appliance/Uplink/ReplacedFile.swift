import Foundation

/// A small file in the data directory replaced whole: written beside it, then renamed over it,
/// so a crash leaves the old contents or the new, never half of either.
struct ReplacedFile {
    let path: String

    func read() -> Data? {
        FileManager.default.contents(atPath: path)
    }

    func replace(with contents: Data, mode: Int = 0o644) throws {
        let temporary = path + ".tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: contents, attributes: [.posixPermissions: mode]) else {
            throw ReplacedFileError(description: "cannot write \(temporary)")
        }
        guard rename(temporary, path) == 0 else { throw ReplacedFileError(description: "cannot replace \(path): errno \(errno)") }
    }
}

struct ReplacedFileError: Error, CustomStringConvertible {
    var description: String
}
