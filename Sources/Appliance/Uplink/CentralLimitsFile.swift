import Foundation
import Wagering

/// The betting limits central last sent, kept in the data directory so a reboot while offline
/// starts with them rather than with the configuration file's.
struct CentralLimitsFile {
    private let file: ReplacedFile

    init(dataDirectory: String) {
        file = ReplacedFile(path: dataDirectory + "/central.limits.json")
    }

    func read() -> BettingLimits? {
        file.read().flatMap { try? JSONDecoder().decode(BettingLimits.self, from: $0) }
    }

    func write(_ limits: BettingLimits) throws {
        try file.replace(with: try JSONEncoder().encode(limits))
    }
}
