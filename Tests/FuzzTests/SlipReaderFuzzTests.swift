import Foundation
import Synchronization
import TerminalProtocol
import Testing

/// `PlaceBetRequest.read`, the bet path's fast slip reader, against `JSONDecoder`: it reads every
/// slip a kiosk writes, and whatever it reads, `JSONDecoder` reads the same; what it declines
/// falls back to `JSONDecoder` in the API, so declining is always safe.
@Suite("Fuzzing the fast slip reader against JSONDecoder")
struct SlipReaderFuzzTests {
    static func fast(_ bytes: [UInt8]) -> PlaceBetRequest? {
        bytes.withUnsafeBytes(PlaceBetRequest.read)
    }

    static func reference(_ bytes: [UInt8]) -> PlaceBetRequest? {
        try? JSONDecoder().decode(PlaceBetRequest.self, from: Data(bytes))
    }

    @Test("slips as the kiosk client, JSONEncoder and a pretty printer write them are read, equal to the slip")
    func readsWhatKiosksWrite() throws {
        let pretty = JSONEncoder()
        pretty.outputFormatting = [.prettyPrinted, .withoutEscapingSlashes]
        for slip in TerminalRequestFuzzTests.slips {
            #expect(Self.fast(slip.jsonBytes()) == slip)
            #expect(Self.fast(Array(try StableJSON.encoder.encode(slip))) == slip)
            #expect(Self.fast(Array(try pretty.encode(slip))) == slip)
        }
    }

    @Test("declines what is outside its subset or wrong, where JSONDecoder then decides", arguments: [
        // Escapes and numbers it leaves to JSONDecoder, which reads them.
        (#"{"idempotencyKey":"a\/b","type":"single","legs":[],"stakePerLine":{"minorUnits":1,"currency":"GBP"},"oddsChangePolicy":"exact"}"#, true),
        (#"{"idempotencyKey":"k","type":"single","legs":[],"stakePerLine":{"minorUnits":1.0,"currency":"GBP"},"oddsChangePolicy":"exact"}"#, true),
        (#"{"idempotencyKey":"k","type":"single","legs":[],"stakePerLine":{"minorUnits":1e2,"currency":"GBP"},"oddsChangePolicy":"exact"}"#, true),
        // Foundation's JSONDecoder takes a trailing comma in an object; the reader leaves it to it.
        (#"{"idempotencyKey":"k","type":"single","legs":[],"stakePerLine":{"minorUnits":1,"currency":"GBP"},"oddsChangePolicy":"exact",}"#, true),
        // Malformed, unknown, missing or repeated: JSONDecoder refuses them too, naming why.
        (#"{"idempotencyKey":"k","type":"single","legs":[,],"stakePerLine":{"minorUnits":1,"currency":"GBP"},"oddsChangePolicy":"exact"}"#, false),
        (#"{"idempotencyKey":"k","type":"single","legs":[],"stakePerLine":{"minorUnits":01,"currency":"GBP"},"oddsChangePolicy":"exact"}"#, false),
        (#"{"idempotencyKey":"k","type":"single","legs":[],"stakePerLine":{"minorUnits":9223372036854775808,"currency":"GBP"},"oddsChangePolicy":"exact"}"#, false),
        (#"{"idempotencyKey":"k","type":"single","legs":[],"stakePerLine":{"minorUnits":1,"currency":"GBP"},"oddsChangePolicy":"never"}"#, false),
        (#"{"idempotencyKey":"k","type":"single","legs":[],"stakePerLine":{"minorUnits":1,"currency":"GBP"},"oddsChangePolicy":"exact","extra":1}"#, false),
        (#"{"idempotencyKey":"k","type":"single","legs":[{"selectionId":"a","price":{"numerator":2,"denominator":1},"priceVersion":-1}],"stakePerLine":{"minorUnits":1,"currency":"GBP"},"oddsChangePolicy":"exact"}"#, false),
        (#"{"idempotencyKey":"k","type":"single","legs":[],"stakePerLine":{"minorUnits":1,"currency":"GBP"}}"#, false),
        (#"{"idempotencyKey":"k","type":"single","legs":[],"stakePerLine":{"minorUnits":1,"currency":"GBP"},"oddsChangePolicy":"exact"} x"#, false),
        (#"{"idempotencyKey":"k","type":"single","legs":[],"stakePerLine":{"minorUnits":1,"currency":"GBP"},"oddsChangePolicy":"exact""#, false),
    ])
    func declines(body: String, referenceReads: Bool) {
        #expect(Self.fast(Array(body.utf8)) == nil)
        #expect((Self.reference(Array(body.utf8)) != nil) == referenceReads)
    }

    @Test("the extremes of its integers are read exactly")
    func integerExtremes() throws {
        let body = #"{"idempotencyKey":"k","type":"single","legs":[{"selectionId":"a","price":{"numerator":-9223372036854775808,"#
            + #""denominator":9223372036854775807},"priceVersion":18446744073709551615}],"stakePerLine":{"minorUnits":0,"currency":"€"},"#
            + #""oddsChangePolicy":"acceptAny"}"#
        let slip = try #require(Self.fast(Array(body.utf8)))
        #expect(slip == Self.reference(Array(body.utf8)))
        #expect(slip.legs[0].price.numerator == .min && slip.legs[0].price.denominator == .max && slip.legs[0].priceVersion == .max)
    }

    @Test("whatever it reads of mutated slips, JSONDecoder reads the same")
    func agreesWithJSONDecoder() async throws {
        let seeds = try TerminalRequestFuzzTests.slips.map { Array(try StableJSON.encoder.encode($0)) }
        let taken = Atomic(0)
        await FuzzCampaign("slip-reader", seed: 0x5_11B_2EAD_E200_0001, defaultCases: 6_000).run { input in
            let seed = seeds[input.below(seeds.count)]
            let bytes: [UInt8] = switch input.below(10) {
            case 0...5: input.mutateJSON(seed, rounds: 1)
            case 6...8: input.mutate(seed, rounds: 1, dictionary: TerminalRequestFuzzTests.words, others: seeds)
            default: input.randomBytes(upTo: 200)
            }
            guard let fast = Self.fast(bytes) else { return nil }
            taken.add(1, ordering: .relaxed)
            guard let reference = Self.reference(bytes) else { return "read \(Shown.bytes(bytes)), which JSONDecoder refuses" }
            return fast == reference ? nil : "read \(Shown.bytes(bytes)) as \(fast), JSONDecoder as \(reference)"
        }
        // Mutations that keep a slip valid (a changed number or string) are read, so the
        // comparison above was made, not skipped.
        #expect(taken.load(ordering: .relaxed) > 500)
    }
}
