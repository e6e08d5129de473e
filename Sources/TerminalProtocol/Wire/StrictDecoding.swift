/// Request bodies refuse fields they do not know: a misspelt `oddsChangePolicy` must not silently
/// become the default. `JSONDecoder` ignores unknown keys, so each request type checks its keys.
struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { self.stringValue = String(intValue); self.intValue = intValue }
}

extension Decoder {
    /// Throws naming the first key that is not in `known`.
    func rejectUnknownKeys<Key: CodingKey & CaseIterable>(_ known: Key.Type) throws {
        let container = try container(keyedBy: AnyKey.self)
        let allowed = Set(Key.allCases.map(\.stringValue))
        if let unknown = container.allKeys.map(\.stringValue).sorted().first(where: { !allowed.contains($0) }) {
            throw DecodingError.dataCorrupted(.init(codingPath: codingPath + [AnyKey(stringValue: unknown)],
                                                    debugDescription: "unknown field '\(unknown)'; expected one of \(allowed.sorted().joined(separator: ", "))"))
        }
    }
}
