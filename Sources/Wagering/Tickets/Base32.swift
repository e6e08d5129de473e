/// Crockford's base-32 alphabet: digits and capitals without I, L, O and U, so a ticket read
/// aloud or typed at the counter has no 1/I/L or 0/O confusion. Decoding forgives those.
enum Base32 {
    static let alphabet: [Character] = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ")
    static let asciiAlphabet: [UInt8] = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ".utf8)

    /// The value of a canonical (upper-case alphabet) ASCII digit.
    static func value(ascii byte: UInt8) -> Int? {
        asciiAlphabet.firstIndex(of: byte)
    }

    static func value(of character: Character) -> Int? {
        switch character.uppercased() {
        case "O": return 0
        case "I", "L": return 1
        default:
            guard let upper = character.uppercased().first else { return nil }
            return alphabet.firstIndex(of: upper)
        }
    }

    /// `value` in exactly `width` base-32 digits, most significant first.
    static func encode(_ value: UInt64, width: Int) -> [Character] {
        precondition(width <= 12 && value >> (5 * UInt64(width)) == 0, "value does not fit in \(width) digits")
        var digits = [Character](repeating: "0", count: width)
        var remaining = value
        for position in stride(from: width - 1, through: 0, by: -1) {
            digits[position] = alphabet[Int(remaining & 31)]
            remaining >>= 5
        }
        return digits
    }

    /// Twelve ASCII characters, `character(0)` to `character(11)`, as `XXXX-XXXX-XXXX`: how ticket
    /// ids and security codes print. Written straight into the string's storage; fourteen bytes
    /// fit Swift's inline small string, so nothing is allocated.
    static func grouped(_ character: (Int) -> UInt8) -> String {
        String(unsafeUninitializedCapacity: 14) { text in
            var written = 0
            for index in 0..<12 {
                if index == 4 || index == 8 {
                    text[written] = UInt8(ascii: "-")
                    written += 1
                }
                text[written] = character(index)
                written += 1
            }
            return written
        }
    }

    /// Check character over base-32 digits, Luhn-style but in GF(32) (digits as polynomials over
    /// GF(2) modulo x^5 + x^2 + 1): every other digit is multiplied by x, and all are added (XOR).
    /// Multiplying by x and by x + 1 both permute GF(32), so every single-character error and every
    /// transposition of two adjacent characters is caught. (Luhn mod 32 missed swapping 0 and Z.)
    static func checkValue(for values: [Int]) -> Int {
        var sum = 0
        for (distanceFromEnd, value) in values.reversed().enumerated() {
            sum ^= checkAddend(value, doubled: distanceFromEnd % 2 == 0)
        }
        return sum
    }

    /// One digit's term of the check sum: the digit, multiplied by x in GF(32) when `doubled`.
    static func checkAddend(_ value: Int, doubled: Bool) -> Int {
        var addend = doubled ? value << 1 : value
        if addend & 32 != 0 { addend ^= 0b100101 }
        return addend
    }

    /// What a person typed, as `length` canonical characters (O read as 0, I and L as 1, lower case
    /// upper), or nil when it is not that many base-32 characters.
    static func canonical(_ text: String, length: Int) -> String? {
        let compact = normalized(text)
        guard compact.count == length else { return nil }
        var canonical = ""
        for character in compact {
            guard let value = value(of: character) else { return nil }
            canonical.append(alphabet[value])
        }
        return canonical
    }

    /// Normalizes what a person typed: drops separators and spaces, uppercases.
    static func normalized(_ text: String) -> String {
        String(text.filter { $0 != "-" && !$0.isWhitespace }).uppercased()
    }
}
