import Foundation
import PropertyBased
import Testing
@testable import Wagering

let crockford = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ")

/// Any ticket id: a random appliance code and a random serial, with zeros and the top digit Z
/// (the two ends of the alphabet) drawn often, since check schemes tend to fail on them.
let anyTicketID = zip(Gen.int(in: 0...(1 << 20) - 1), Gen.uint64(in: 0...(TicketID.serialLimit - 1)), Gen.uint64(in: 0...UInt64.max))
    .map { codeBits, serial, mask -> TicketID in
        let code = String((0..<4).map { crockford[(codeBits >> (5 * $0)) & 31] })
        // Force some digits to 0 or Z so that "0Z" and "Z0" neighbours are common.
        var digits = (0..<7).map { Int((serial >> (5 * UInt64(6 - $0))) & 31) }
        for position in 0..<7 {
            switch (mask >> (3 * UInt64(position))) & 7 {
            case 0, 1: digits[position] = 0
            case 2, 3: digits[position] = 31
            default: break
            }
        }
        let forced = digits.reduce(UInt64(0)) { $0 << 5 | UInt64($1) }
        return TicketID(applianceCode: try! ApplianceCode(code), serial: forced)
    }

func compact(_ id: TicketID) -> [Character] { Array(id.description.filter { $0 != "-" }) }

func dashed(_ characters: [Character]) -> String {
    "\(String(characters[0..<4]))-\(String(characters[4..<8]))-\(String(characters[8..<12]))"
}

@Suite("Tickets: ids with a check character, and security codes")
struct TicketTests {
    @Test("a ticket id prints as AAAA-SSSS-SSSC: appliance code, seven serial digits, check character")
    func ticketIDFormat() throws {
        let id = TicketID(applianceCode: try ApplianceCode("HF01"), serial: 32 * 32 + 5)
        let text = id.description
        #expect(text.count == 14)
        #expect(text.hasPrefix("HF01-0000-105"))
        #expect(text.split(separator: "-").map(\.count) == [4, 4, 4])
        #expect(text.allSatisfy { $0 == "-" || crockford.contains($0) })
        let top = TicketID(applianceCode: try ApplianceCode("ZZZZ"), serial: TicketID.serialLimit - 1)
        #expect(top.description.hasPrefix("ZZZZ-ZZZZ-ZZZ"))
        #expect(try TicketID(parsing: top.description) == top)
    }

    @Test("every ticket id round-trips through its description and through JSON")
    func roundTrip() async {
        await propertyCheck(count: 500, input: anyTicketID) { id throws in
            #expect(try TicketID(parsing: id.description) == id)
            let json = try JSONEncoder().encode(id)
            #expect(String(decoding: json, as: UTF8.self) == "\"\(id.description)\"")
            #expect(try JSONDecoder().decode(TicketID.self, from: json) == id)
        }
    }

    @Test("the canonical text's quick reading agrees with the forgiving one, and a wrong check character is refused by both")
    func canonicalAndForgivingAgree() async {
        await propertyCheck(count: 500, input: anyTicketID, Gen.int(in: 0...31)) { id, replacement throws in
            #expect(try TicketID(parsing: id.description) == id)
            #expect(try TicketID(parsing: id.description.lowercased()) == id)
            var bytes = Array(id.description.utf8)
            let check = bytes[13]
            bytes[13] = crockford[replacement].asciiValue!
            let mistyped = String(decoding: bytes, as: UTF8.self)
            if bytes[13] == check {
                #expect(try TicketID(parsing: mistyped) == id)
            } else {
                #expect(throws: TicketIDError.checkCharacterMismatch(mistyped)) { try TicketID(parsing: mistyped) }
            }
        }
    }

    @Test("lowercase, missing or extra dashes, spaces, O for 0 and I or L for 1 are all read")
    func forgivingInput() throws {
        let id = TicketID(applianceCode: try ApplianceCode("HF01"), serial: 1 + 32 * 1 + 32 * 32 * 10)
        let text = id.description // HF01-0000-A11?
        #expect(text.hasPrefix("HF01-0000-A11"))
        let variants = [
            text.lowercased(), text.replacingOccurrences(of: "-", with: ""), text.replacingOccurrences(of: "-", with: " "),
            " \(text) ", "HF-01-00-00-" + text.suffix(4), text.replacingOccurrences(of: "0", with: "O"),
            text.replacingOccurrences(of: "0", with: "o"), text.replacingOccurrences(of: "1", with: "I"),
            text.replacingOccurrences(of: "1", with: "L"), text.replacingOccurrences(of: "1", with: "l").lowercased(),
        ]
        for variant in variants {
            #expect(try TicketID(parsing: variant) == id, "\(variant)")
        }
        #expect(try ApplianceCode("hf0l").rawValue == "HF01")
    }

    @Test("malformed ticket ids are refused with the reason")
    func malformedTicketIDs() throws {
        let text = Fixture.ticket(42).description
        #expect(throws: TicketIDError.wrongLength("HF01-0000-01")) { try TicketID(parsing: "HF01-0000-01") }
        #expect(throws: TicketIDError.wrongLength(text + "0")) { try TicketID(parsing: text + "0") }
        #expect(throws: TicketIDError.wrongLength("")) { try TicketID(parsing: "") }
        let withU = "U" + text.dropFirst()
        #expect(throws: TicketIDError.invalidCharacter(withU, "U")) { try TicketID(parsing: withU) }
        let withBang = "HF01-00!0-0000"
        #expect(throws: TicketIDError.invalidCharacter(withBang, "!")) { try TicketID(parsing: withBang) }
        #expect(throws: TicketIDError.invalidApplianceCode("HF0")) { try ApplianceCode("HF0") }
        #expect(throws: TicketIDError.invalidApplianceCode("HFU1")) { try ApplianceCode("HFU1") }
    }

    @Test("every single-character substitution is caught by the check character")
    func substitutionsCaught() async {
        await propertyCheck(count: 300, input: anyTicketID) { id in
            let original = compact(id)
            for position in 0..<12 {
                for replacement in crockford where replacement != original[position] {
                    var typo = original
                    typo[position] = replacement
                    #expect(throws: TicketIDError.checkCharacterMismatch(dashed(typo)), "\(id) with \(replacement) at \(position)") {
                        try TicketID(parsing: dashed(typo))
                    }
                }
            }
        }
    }

    @Test("every transposition of two adjacent different characters is caught by the check character")
    func transpositionsCaught() async {
        await propertyCheck(count: 1_000, input: anyTicketID) { id in
            let original = compact(id)
            for position in 0..<11 where original[position] != original[position + 1] {
                var swapped = original
                swapped.swapAt(position, position + 1)
                #expect(throws: TicketIDError.checkCharacterMismatch(dashed(swapped)), "\(id) swapping \(position) and \(position + 1)") {
                    try TicketID(parsing: dashed(swapped))
                }
            }
        }
    }

    @Test("swapping a 0 and a Z next to each other is caught", arguments: [UInt64(31), 31 << 5, 31 << 10, 31 << 25, 31 << 30])
    func zeroZTransposition(_ serial: UInt64) throws {
        let original = compact(TicketID(applianceCode: try ApplianceCode("HF01"), serial: serial))
        for position in 0..<11 where Set([original[position], original[position + 1]]) == ["0", "Z"] {
            var swapped = original
            swapped.swapAt(position, position + 1)
            #expect(throws: TicketIDError.checkCharacterMismatch(dashed(swapped))) { try TicketID(parsing: dashed(swapped)) }
        }
    }

    @Test("ticket ids order by appliance, then serial")
    func ordering() throws {
        let a = try ApplianceCode("AAAA")
        let b = try ApplianceCode("BBBB")
        #expect(TicketID(applianceCode: a, serial: 99) < TicketID(applianceCode: b, serial: 1))
        #expect(TicketID(applianceCode: a, serial: 1) < TicketID(applianceCode: a, serial: 2))
        #expect(!(TicketID(applianceCode: a, serial: 2) < TicketID(applianceCode: a, serial: 2)))
    }

    // MARK: Security codes

    @Test("security codes read like ticket ids and print as XXXX-XXXX-XXXX")
    func securityCodeFormat() throws {
        let code = try SecurityCode(parsing: "k7qm-3m9p-2qx4")
        #expect(code.value == "K7QM3M9P2QX4")
        #expect(code.description == "K7QM-3M9P-2QX4")
        #expect(try SecurityCode(parsing: "K7QM 3M9P 2QX4") == code)
        #expect(try SecurityCode(parsing: "K7QM3M9P2QX4") == code)
        #expect(try SecurityCode(parsing: "0O1I-L000-0000").value == "001110000000")
        for bad in ["K7QM-3M9P-2QX", "K7QM-3M9P-2QX45", "K7QM-3M9P-2QXU", "K7QM-3M9P-2Q!4", ""] {
            #expect(throws: SecurityCodeError.malformed, "\(bad)") { try SecurityCode(parsing: bad) }
        }
    }

    @Test("the digest is SHA-256 of the canonical code, and matches however the code was typed")
    func securityDigest() throws {
        let code = try SecurityCode(parsing: "K7QM-3M9P-2QX4")
        #expect(code.digest.hex == "52d35342dd643cbec20bbccc1a8fd08bf1f6a1965c18f343db4f0b85ae6f33db")
        #expect(code.digest.matches(try SecurityCode(parsing: "k7qm3m9p2qx4").digest))
        #expect(!code.digest.matches(try SecurityCode(parsing: "K7QM-3M9P-2QX5").digest))
        let fromHex = try #require(SecurityDigest(hex: code.digest.hex))
        #expect(fromHex == code.digest)
        #expect(SecurityDigest(hex: code.digest.hex.uppercased()) == code.digest)
        #expect(SecurityDigest(hex: String(code.digest.hex.dropLast())) == nil)
        #expect(SecurityDigest(hex: String(code.digest.hex.dropLast(2))) == nil)
        #expect(SecurityDigest(hex: "zz" + code.digest.hex.dropFirst(2)) == nil)
        var lastByteChanged = code.digest.bytes
        lastByteChanged[31] ^= 1
        #expect(!code.digest.matches(SecurityDigest(bytes: lastByteChanged)))
        let json = try JSONEncoder().encode(code.digest)
        #expect(try JSONDecoder().decode(SecurityDigest.self, from: json) == code.digest)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(SecurityDigest.self, from: Data("\"abc\"".utf8)) }
    }

    @Test("digests match exactly when the codes are equal")
    func digestMatchingProperty() async {
        let anyCode = Gen.uint64(in: 0...(1 << 60) - 1).map { bits in
            try! SecurityCode(parsing: String((0..<12).map { crockford[Int((bits >> (5 * UInt64(11 - $0))) & 31)] }))
        }
        await propertyCheck(count: 300, input: anyCode, anyCode) { a, b in
            #expect(a.digest.matches(b.digest) == (a == b))
            #expect(a.digest.matches(a.digest))
            #expect(a.digest.hex.count == 64)
        }
    }

    @Test("check characters of known ids (GF(32) Luhn-style scheme)")
    func knownCheckCharacters() throws {
        #expect(Fixture.ticket(1).description == "HF01-0000-001B")
        #expect(Fixture.ticket(12_345).description == "HF01-0000-C1S7")
        #expect(try TicketID(parsing: "hf01-0000-c1s7") == Fixture.ticket(12_345))
        #expect(throws: TicketIDError.checkCharacterMismatch("HF01-0000-001C")) { try TicketID(parsing: "HF01-0000-001C") }
    }

    @Test("security codes derive from the ticket id under the appliance's key")
    func derivedSecurityCodes() throws {
        let key = try #require(TicketKey(bytes: Array(0..<32)))
        let otherKey = try #require(TicketKey(bytes: Array(1...32)))
        // HMAC-SHA256(key, "HF01-0000-001B"), first 60 bits, in base 32 (worked out independently).
        #expect(SecurityCode(for: Fixture.ticket(1), key: key).value == "TM9T1B7FRA2M")
        #expect(SecurityCode(for: Fixture.ticket(12_345), key: key).value == "MCJD9KTXRTC4")
        #expect(SecurityCode(for: Fixture.ticket(1), key: key) == SecurityCode(for: Fixture.ticket(1), key: key))
        #expect(SecurityCode(for: Fixture.ticket(1), key: otherKey) != SecurityCode(for: Fixture.ticket(1), key: key))
        #expect(TicketKey(bytes: Array(repeating: 0, count: 31)) == nil)
        #expect(TicketKey(bytes: Array(repeating: 0, count: 33)) == nil)
        var random = SplitMix64(seed: 7)
        let generated = TicketKey.generate(using: &random)
        #expect(generated.bytes.count == 32)
        #expect(Set(generated.bytes).count > 8, "32 random bytes are not mostly equal")
    }
}

@Suite("Digests as hex")
struct DigestHexTests {
    @Test("a digest reads back from its hex in either case; any other length or a non-hex digit is refused")
    func roundTrip() async {
        await propertyCheck(count: 300, input: Gen.uint8().array(of: 32), Gen.int(in: 0...63)) { bytes, position in
            let digest = Digest256(bytes: bytes)
            #expect(Digest256(hex: digest.hex) == digest)
            #expect(Digest256(hex: digest.hex.uppercased()) == digest)
            #expect(decodeHex(digest.hex) == bytes)
            #expect(Digest256(hex: String(digest.hex.dropLast())) == nil)
            #expect(Digest256(hex: digest.hex + "0") == nil)
            var damaged = Array(digest.hex.utf8)
            damaged[position] = UInt8(ascii: "g")
            #expect(Digest256(hex: String(decoding: damaged, as: UTF8.self)) == nil)
            #expect(decodeHex(String(decoding: damaged, as: UTF8.self)) == nil)
        }
    }
}
