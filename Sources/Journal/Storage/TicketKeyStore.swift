import Foundation
import Wagering

/// The appliance's ticket key file (32 bytes, mode 0600), created once from the injected random
/// source. Losing it does not lose tickets: the journal keeps each code's digest, so codes still
/// validate; only re-deriving a code for a retried placement needs the key.
struct TicketKeyStore {
    let path: String

    func loadOrCreate<Source: RandomNumberGenerator>(using random: inout Source) throws(JournalOpenError) -> TicketKey {
        if FileManager.default.fileExists(atPath: path) {
            guard let data = FileManager.default.contents(atPath: path), let key = TicketKey(bytes: Array(data)) else {
                throw .cannotOpen(path: path, reason: "the ticket key file is not 32 bytes; restore it from backup")
            }
            return key
        }
        let key = TicketKey.generate(using: &random)
        guard FileManager.default.createFile(atPath: path, contents: Data(key.bytes), attributes: [.posixPermissions: 0o600]) else {
            throw .cannotOpen(path: path, reason: "cannot create the ticket key file")
        }
        return key
    }
}
