import CryptoExtras
import Wagering

/// A technician's PIN or password as stored in the configuration: scrypt with its cost, a salt and
/// the derived key, written `scrypt:<log2 N>:<r>:<p>:<salt hex>:<key hex>`. `holdfast console
/// hash-pin` makes one. scrypt is memory-hard, so a stolen configuration does not give up a
/// six-digit PIN to a GPU in seconds the way a plain hash would.
public struct PINHash: Sendable, Hashable, CustomStringConvertible {
    public let log2Cost: Int
    public let blockSize: Int
    public let parallelism: Int
    public let salt: [UInt8]
    public let key: [UInt8]

    /// 2^14 (16 MiB with r=8) is the least accepted; 2^15 is the default.
    public static let acceptedCost = 14...20
    public static let defaultCost = 15

    public init?(_ text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "scrypt",
              let cost = Int(parts[1]), Self.acceptedCost.contains(cost),
              let blockSize = Int(parts[2]), (1...32).contains(blockSize),
              let parallelism = Int(parts[3]), (1...4).contains(parallelism),
              let salt = decodeHex(String(parts[4])), salt.count >= 16,
              let key = decodeHex(String(parts[5])), key.count == 32
        else { return nil }
        (log2Cost, self.blockSize, self.parallelism, self.salt, self.key) = (cost, blockSize, parallelism, salt, key)
    }

    /// Hashes a new PIN with a fresh salt.
    public static func make(pin: String, log2Cost: Int = defaultCost, using random: inout some RandomNumberGenerator) throws -> PINHash {
        let salt = (0..<16).map { _ in UInt8.random(in: .min ... .max, using: &random) }
        let key = try derive(pin, salt: salt, log2Cost: log2Cost, blockSize: 8, parallelism: 1)
        return PINHash("scrypt:\(log2Cost):8:1:\(encodeHex(salt)):\(encodeHex(key))")!
    }

    /// Whether `pin` is this PIN (constant-time comparison of the derived keys).
    public func matches(_ pin: String) -> Bool {
        guard let derived = try? Self.derive(pin, salt: salt, log2Cost: log2Cost, blockSize: blockSize, parallelism: parallelism) else { return false }
        var difference: UInt8 = 0
        for (a, b) in zip(derived, key) { difference |= a ^ b }
        return difference == 0 && derived.count == key.count
    }

    public var description: String { "scrypt:\(log2Cost):\(blockSize):\(parallelism):\(encodeHex(salt)):\(encodeHex(key))" }

    private static func derive(_ pin: String, salt: [UInt8], log2Cost: Int, blockSize: Int, parallelism: Int) throws -> [UInt8] {
        let key = try KDF.Scrypt.deriveKey(from: Array(pin.utf8), salt: salt, outputByteCount: 32, rounds: 1 << log2Cost,
                                           blockSize: blockSize, parallelism: parallelism, maxMemory: 256 * 1_024 * 1_024)
        return key.withUnsafeBytes { Array($0) }
    }
}
