/// Request bodies refuse fields they do not know: a misspelt `oddsChangePolicy` must not silently
/// become the default. `JSONDecoder` ignores unknown keys, so each request type checks its keys.
struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { self.stringValue = String(intValue); self.intValue = intValue }
}

extension Decoder {
    /// Throws naming the first unknown key (in sorted order, so the message is stable).
    ///
    /// This runs for every object of every bet slip, so the common case (all keys known) only
    /// asks `Key(stringValue:)` per key: building sets, key paths or sorted lists here was most
    /// of the cost of decoding a slip (docs/BENCHMARKS.md).
    func rejectUnknownKeys<Key: CodingKey & CaseIterable>(_ known: Key.Type) throws {
        let keys = try container(keyedBy: AnyKey.self).allKeys
        guard let unknown = keys.lazy.map(\.stringValue).filter({ Key(stringValue: $0) == nil }).min() else { return }
        let expected = Key.allCases.map { $0.stringValue }.sorted().joined(separator: ", ")
        throw DecodingError.dataCorrupted(.init(codingPath: codingPath + [AnyKey(stringValue: unknown)],
                                                debugDescription: "unknown field '\(unknown)'; expected one of \(expected)"))
    }
}

extension KeyedDecodingContainer {
    /// Decodes a whole-number field, naming it when the number does not fit (a fraction, a sign
    /// on an unsigned field, too many digits). Foundation's JSONDecoder on Linux throws an error
    /// of its own there that reaches the caller as "not valid JSON" at the root, naming no field
    /// (swiftlang/swift-foundation#274).
    func decodeInteger<Integer: FixedWidthInteger & Decodable>(_ type: Integer.Type, forKey key: Key) throws -> Integer {
        do {
            return try decode(Integer.self, forKey: key)
        } catch let error as DecodingError {
            throw error
        } catch {
            throw DecodingError.dataCorruptedError(forKey: key, in: self,
                                                   debugDescription: "expected a whole number from \(Integer.min) to \(Integer.max)")
        }
    }
}
