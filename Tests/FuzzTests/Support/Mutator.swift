import TestSupport

/// Everything random a fuzz case uses, drawn from one SplitMix64 so the case repeats from its seed:
/// plain random values, hostile tokens, and mutations of valid inputs. Mutating a valid input
/// (rather than only throwing random bytes) is what reaches the deep paths: a parser refuses
/// random bytes at its first check, but a valid file with one value changed gets to the last.
struct Mutator {
    private var random: SplitMix64

    init(seed: UInt64) {
        random = SplitMix64(seed: seed)
    }

    mutating func next() -> UInt64 { random.next() }

    /// A number in 0..<bound.
    mutating func below(_ bound: Int) -> Int {
        precondition(bound > 0)
        return Int(random.next() % UInt64(bound))
    }

    mutating func number(in range: ClosedRange<Int>) -> Int { range.lowerBound + below(range.count) }

    mutating func chance(percent: Int) -> Bool { below(100) < percent }

    mutating func pick<Element>(_ items: [Element]) -> Element { items[below(items.count)] }

    mutating func bytes(count: Int) -> [UInt8] { (0..<count).map { _ in UInt8(truncatingIfNeeded: random.next()) } }

    /// Random bytes, short more often than long.
    mutating func randomBytes(upTo limit: Int) -> [UInt8] {
        bytes(count: chance(percent: 80) ? below(min(limit, 64) + 1) : below(limit + 1))
    }

    /// Values that break parsers: numbers past every bound, quotes and escapes, bytes that are not
    /// UTF-8, control characters, combining marks, and runs long enough to hit length limits.
    static let hostileTokens: [[UInt8]] = [
        "", " ", "\"", "\\", "\\\"", "\"\"", "'", "\t", "\r", "\n", "\r\n", "\0", ":", ": ", "#", ",", "{", "}", "[", "]",
        "0", "-0", "-1", "1e400", "-1e400", "nan", "NaN", "inf", "-inf", "0x1F", "1_000", "3.14", ".5", "1.", "+5", "00012",
        "9223372036854775807", "9223372036854775808", "-9223372036854775809", "18446744073709551616",
        "99999999999999999999999999999999999999", "true", "null", "~", "- ", "&a", "*a", "!!binary", "---", "|", ">",
        "\u{E9}", "e\u{301}", "\u{202E}", "\u{FEFF}", "\u{1F3C7}", "\u{1B}[A", "\u{7F}", "\u{03}", "\u{04}", "\u{85}", "\u{2028}",
    ].map { Array($0.utf8) } + [
        [0xFF], [0xFE, 0xFF], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82], [0x80],
        Array(repeating: UInt8(ascii: "A"), count: 300), Array(repeating: UInt8(ascii: "9"), count: 5_000),
        Array(repeating: UInt8(ascii: "\""), count: 1_000), Array(repeating: UInt8(ascii: "\\"), count: 999),
    ]

    mutating func hostileToken() -> [UInt8] { pick(Self.hostileTokens) }

    /// A token from `dictionary` (the format's own words) or a hostile one.
    mutating func token(_ dictionary: [[UInt8]]) -> [UInt8] {
        !dictionary.isEmpty && chance(percent: 50) ? pick(dictionary) : hostileToken()
    }

    /// `bytes` after one to `rounds` edits: bit flips, byte changes, inserted tokens, deleted,
    /// duplicated or swapped ranges, truncation, and splices from `others`.
    mutating func mutate(_ bytes: [UInt8], rounds: Int = 4, dictionary: [[UInt8]] = [], others: [[UInt8]] = []) -> [UInt8] {
        var bytes = bytes
        for _ in 0..<number(in: 1...max(1, rounds)) {
            let position = below(bytes.count + 1)
            let length = min(bytes.count - position, chance(percent: 80) ? below(9) : below(bytes.count + 1))
            switch below(10) {
            case 0 where position < bytes.count: bytes[position] ^= 1 << UInt8(below(8))
            case 1 where position < bytes.count: bytes[position] = UInt8(truncatingIfNeeded: random.next())
            case 2, 3: bytes.insert(contentsOf: token(dictionary), at: position)
            case 4: bytes.removeSubrange(position..<position + length)
            case 5: bytes.insert(contentsOf: bytes[position..<position + length], at: below(bytes.count + 1))
            case 6: bytes.removeSubrange(position...)
            case 7 where length > 0:
                let other = below(bytes.count - length + 1)
                let moved = Array(bytes[position..<position + length])
                bytes.removeSubrange(position..<position + length)
                bytes.insert(contentsOf: moved, at: min(other, bytes.count))
            case 8 where !others.isEmpty:
                let donor = pick(others)
                let start = below(donor.count + 1)
                bytes.insert(contentsOf: donor[start..<min(donor.count, start + below(64))], at: position)
            default: bytes.insert(contentsOf: randomBytes(upTo: 16), at: position)
            }
        }
        return bytes
    }

    /// `text` after one to `rounds` line edits: lines deleted, duplicated, swapped or re-indented,
    /// a value after `:` replaced by a token, a stray line inserted, the text cut short.
    mutating func mutateLines(_ text: String, rounds: Int = 3, dictionary: [[UInt8]] = [], others: [String] = []) -> String {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        for _ in 0..<number(in: 1...max(1, rounds)) where !lines.isEmpty {
            let index = below(lines.count)
            switch below(8) {
            case 0: lines.remove(at: index)
            case 1: lines.insert(lines[index], at: below(lines.count + 1))
            case 2: lines.swapAt(index, below(lines.count))
            case 3: lines[index] = chance(percent: 50) ? "  " + lines[index] : String(lines[index].drop { $0 == " " })
            case 4, 5:
                if let colon = lines[index].firstIndex(of: ":") {
                    lines[index] = String(lines[index][...colon]) + " " + String(decoding: token(dictionary), as: UTF8.self)
                }
            case 6:
                let donor = others.isEmpty ? lines : others.flatMap { $0.split(separator: "\n").map(String.init) }
                lines.insert(donor.isEmpty ? "" : pick(donor), at: below(lines.count + 1))
            default:
                lines.removeSubrange(index...)
                if chance(percent: 50), let last = lines.popLast() { lines.append(String(last.prefix(below(last.count + 1)))) }
            }
        }
        return lines.joined(separator: "\n")
    }

    /// `bytes` cut at up to 64 random points, as a socket or a serial line delivers them.
    mutating func chunks(_ bytes: [UInt8]) -> [[UInt8]] {
        guard bytes.count > 1 else { return bytes.isEmpty ? [] : [bytes] }
        var cuts = Set<Int>()
        for _ in 0..<number(in: 0...min(64, bytes.count - 1)) { cuts.insert(1 + below(bytes.count - 1)) }
        let bounds = [0] + cuts.sorted() + [bytes.count]
        return zip(bounds, bounds.dropFirst()).map { Array(bytes[$0..<$1]) }
    }
}
