import Foundation
import PropertyBased
import Testing
@testable import Journal
@testable import Wagering

/// The hand-written `bet.placed` reader against `JSONDecoder`: it reads every payload the journal
/// writes, and whatever it reads, `JSONDecoder` reads the same; what it declines, `EventCoding`
/// hands to `JSONDecoder`, so declining is always safe and reading wrongly never is.
@Suite("The fast bet.placed reader agrees with JSONDecoder")
struct BetPayloadReaderTests {
    static func reference(_ payload: [UInt8]) -> PlacedBet? {
        try? JSONDecoder().decode(PlacedBet.self, from: Data(payload))
    }

    @Test("reads back every bet the journal writes, non-ASCII text too; text with escapes is left to JSONDecoder, which reads it")
    func roundTrip() async {
        await propertyCheck(count: 300, input: BetPayloadWriterTests.awkwardText, BetPayloadWriterTests.awkwardText,
                            Gen.int64(in: 0...Int64.max), Gen.int(in: 1...8)) { text, key, amount, legCount throws in
            var bet = BetPayloadWriterTests.bet(terminal: text, key: key, amount: amount, legs: legCount)
            bet.takenOffline = [nil, true, false][Int(amount % 3)]
            let written = BetPayloadWriter.encode(bet)
            // The writer escapes only quotes, backslashes and control characters; UTF-8 goes as it is.
            let plain = (text + key).utf8.allSatisfy { $0 >= 0x20 && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }
            if plain {
                #expect(BetPayloadReader.read(written) == bet)
            } else {
                #expect(BetPayloadReader.read(written) == nil)
            }
            #expect(try EventCoding.decode(kind: "bet.placed", payload: written) == .betPlaced(bet))
        }
    }

    @Test("reads records JSONEncoder wrote (keys in its own order), as journals of older builds hold them")
    func foundationWritten() throws {
        for legs in 1...4 {
            let bet = BetPayloadWriterTests.bet(terminal: "kiosk-1", key: "key-\(legs)", amount: 250 * Int64(legs), legs: legs)
            let written = Array(try JSONEncoder().encode(bet))
            #expect(BetPayloadReader.read(written) == bet)
        }
    }

    @Test("declines what is outside its subset or wrong, and JSONDecoder then decides", arguments: [
        (#""takenOffline":null"#, true),            // JSONDecoder reads null as absent
        (#""extra":1"#, true),                      // JSONDecoder ignores an unknown key
        (#""takenOffline":1"#, false),
        (#""takenOffline":tru"#, false),
    ])
    func declinesExtraMembers(member: String, referenceReads: Bool) {
        var written = BetPayloadWriter.encode(BetPayloadWriterTests.bet(terminal: "kiosk-1", key: "k", amount: 500, legs: 2))
        written.removeLast()
        written += Array(",\(member)}".utf8)
        #expect(BetPayloadReader.read(written) == nil)
        #expect((Self.reference(written) != nil) == referenceReads)
    }

    @Test("declines values its checks refuse: ticket id, digest, bet type, currency, odds, policy, repeated keys", arguments: [
        ("HF01-0000-", "HF01-0000-X"),             // a ticket id with a wrong check character
        ("\"requestDigest\":\"", "\"requestDigest\":\"zz"),
        ("\"kind\":\"single\"", "\"kind\":\"quadruple\""),
        ("\"currency\":\"GBP\"", "\"currency\":\"XXX\""),
        ("\"d\":8", "\"d\":0"),
        ("\"oddsChangePolicy\":\"acceptHigher\"", "\"oddsChangePolicy\":\"never\""),
        ("\"placedAtMillis\":", "\"placedAtMillis\":1,\"placedAtMillis\":"),
    ])
    func declinesRefusedValues(original: String, replacement: String) throws {
        let bet = BetPayloadWriterTests.bet(terminal: "kiosk-1", key: "k", amount: 500, legs: 1)
        let text = String(decoding: BetPayloadWriter.encode(bet), as: UTF8.self)
        let range = try #require(text.range(of: original))
        let written = Array(text.replacingCharacters(in: range, with: replacement).utf8)
        #expect(BetPayloadReader.read(written) == nil)
        #expect(Self.reference(written) == nil || original.hasPrefix("\"placedAtMillis\""))
    }

    @Test("random damage to a payload: whatever the reader still reads, JSONDecoder reads the same")
    func damagedPayloads() async {
        let written = BetPayloadWriter.encode(BetPayloadWriterTests.bet(terminal: "kiosk-7", key: "key", amount: 123_456, legs: 3))
        await propertyCheck(count: 3000, input: Gen.int(in: 0...(written.count - 1)), Gen.uint8(), Gen.int(in: 0...3)) { position, byte, damage in
            var damaged = written
            switch damage {
            case 0: damaged[position] = byte
            case 1: damaged.removeSubrange(position...)
            case 2: damaged.remove(at: position)
            default: damaged.insert(byte, at: position)
            }
            if let fast = BetPayloadReader.read(damaged) {
                #expect(fast == Self.reference(damaged))
            }
        }
    }
}
