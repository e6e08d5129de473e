import Foundation

/// Structure-aware mutation of JSON bodies: parse a valid document, change a node or two (a value
/// of another type, a number past Int64, a key removed, an unknown key, an element duplicated, a
/// string edited byte by byte) and write it out again. This gets past the JSON syntax check to the
/// decoders' own rules, which byte flips alone rarely reach.
extension Mutator {
    /// Numbers JSONSerialization cannot write but a hostile peer can.
    static let rawNumbers = ["1e400", "-1e400", "1e-400", "-0", "0.0", "1.5", "2E3", "18446744073709551616", "9223372036854775808",
                             "-9223372036854775809", "123456789012345678901234567890", "0.30000000000000004"]
    private static let rawMarker = "@raw-number@"

    mutating func mutateJSON(_ document: [UInt8], rounds: Int = 2) -> [UInt8] {
        guard var tree = try? JSONSerialization.jsonObject(with: Data(document), options: [.fragmentsAllowed]) else { return document }
        for _ in 0..<number(in: 1...rounds) { tree = mutateNode(tree) }
        guard let data = try? JSONSerialization.data(withJSONObject: tree, options: [.sortedKeys, .fragmentsAllowed]) else { return document }
        var text = String(decoding: data, as: UTF8.self)
        for (index, raw) in Self.rawNumbers.enumerated() {
            text = text.replacingOccurrences(of: "\"\(Self.rawMarker)\(index)\"", with: raw)
        }
        return Array(text.utf8)
    }

    /// Descends into objects and arrays most of the time, else replaces the node.
    private mutating func mutateNode(_ node: Any) -> Any {
        if var object = node as? [String: Any], !object.isEmpty, chance(percent: 75) {
            let key = pick(object.keys.sorted())
            switch below(8) {
            case 0: object.removeValue(forKey: key)
            case 1: object[pick(["unknown", "Seq", "extra_field", "\u{E9}", ""])] = randomValue(like: NSNull())
            default: object[key] = mutateNode(object[key] as Any)
            }
            return object
        }
        if var array = node as? [Any], !array.isEmpty, chance(percent: 75) {
            let index = below(array.count)
            switch below(6) {
            case 0: array.remove(at: index)
            case 1: array.insert(array[index], at: below(array.count + 1))
            case 2: array.swapAt(index, below(array.count))
            default: array[index] = mutateNode(array[index])
            }
            return array
        }
        return randomValue(like: node)
    }

    /// A value of any type, or more often one close to `original`: a boundary number, an edited string.
    private mutating func randomValue(like original: Any) -> Any {
        if chance(percent: 50) {
            if let text = original as? String {
                return String(decoding: mutate(Array(text.utf8), rounds: 2), as: UTF8.self)
            }
            if let number = original as? Int {
                return pick([0, -1, 1, number &- 1, number &+ 1, 0 &- number, Int.max, Int.min, Int(Int32.max) + 1])
            }
        }
        switch below(9) {
        case 0: return NSNull()
        case 1: return chance(percent: 50)
        case 2: return Int(truncatingIfNeeded: next())
        case 3: return "\(Self.rawMarker)\(below(Self.rawNumbers.count))"
        case 4: return String(decoding: hostileToken(), as: UTF8.self)
        case 5: return [randomValue(like: NSNull())]
        case 6: return ["n": 1, "d": 1] as [String: Any]
        case 7: return String(repeating: "ab", count: number(in: 0...40))
        default: return Double(Int(truncatingIfNeeded: next() % 2_000_000)) / 1_000
        }
    }
}

/// JSON written the same way every run (sorted keys), so a seed's corpus, and so its cases, repeat.
enum StableJSON {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()
}
