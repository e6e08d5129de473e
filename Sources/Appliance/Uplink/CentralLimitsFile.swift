import Foundation
import Wagering

/// The betting limits central last sent, kept in the data directory so a reboot while offline
/// starts with them rather than with the configuration file's.
struct CentralLimitsFile {
    let path: String

    init(dataDirectory: String) {
        path = dataDirectory + "/central.limits.json"
    }

    func read() -> BettingLimits? {
        FileManager.default.contents(atPath: path).flatMap { try? JSONDecoder().decode(BettingLimits.self, from: $0) }
    }

    func write(_ limits: BettingLimits) throws {
        let temporary = path + ".tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: try JSONEncoder().encode(limits)) else {
            throw CentralCredentialsError(description: "cannot write \(temporary)")
        }
        guard rename(temporary, path) == 0 else { throw CentralCredentialsError(description: "cannot replace \(path): errno \(errno)") }
    }
}
