@testable import Appliance
import Foundation
@testable import TerminalAPI
import TerminalProtocol
import Testing
import Wagering

/// What kiosks and staff terminals send: bet slips, security codes and void reasons, mutated as
/// JSON trees and as bytes, through the same decoding and mapping the API runs (JSONDecoder, the
/// problem middleware's naming of a decoding failure, BetRequestMapping). Each body becomes a bet
/// request or a problem that names the field at fault.
@Suite("Fuzzing the terminal API's request decoding")
struct TerminalRequestFuzzTests {
    static let fields: Set<String> = ["idempotencyKey", "type", "legs", "stakePerLine", "oddsChangePolicy", "selectionId", "price", "priceVersion",
                                      "numerator", "denominator", "minorUnits", "currency", "securityCode", "reason"]
    static let words: [[UInt8]] = ["\"legs\":", "\"price\":", "\"numerator\":", "\"currency\":", "\"gbp\"", "\"yankee\"", "\"acceptAny\"",
                                   "{\"numerator\":3,\"denominator\":1}", "[]", "null"].map { Array($0.utf8) }

    static let slips = [
        PlaceBetRequest(idempotencyKey: "k-1", type: "single", legs: [LegRequest(selectionId: "m1-a", price: ExactPrice(numerator: 19, denominator: 8), priceVersion: 1)],
                        stakePerLine: MoneyView(minorUnits: 250, currency: "GBP"), oddsChangePolicy: .exact),
        PlaceBetRequest(idempotencyKey: "acc-7f3a", type: "accumulator",
                        legs: (1...3).map { LegRequest(selectionId: "m\($0)-a", price: ExactPrice(numerator: Int64($0 + 1), denominator: 1), priceVersion: 4) },
                        stakePerLine: MoneyView(minorUnits: 100, currency: "EUR"), oddsChangePolicy: .acceptHigher),
        PlaceBetRequest(idempotencyKey: "Y4NK33", type: "yankee",
                        legs: (1...4).map { LegRequest(selectionId: "r\($0)-w", price: ExactPrice(numerator: 11, denominator: 4), priceVersion: UInt64($0)) },
                        stakePerLine: MoneyView(minorUnits: 50, currency: "GBP"), oddsChangePolicy: .acceptAny),
    ]

    @Test("request bodies decode and map to a bet request, or give a problem naming the field at fault")
    func requestBodies() async throws {
        let encoder = StableJSON.encoder
        let bodies = try Self.slips.map { try encoder.encode($0) } + [try encoder.encode(SecurityCodeRequest(securityCode: "SDTG-1QMP-ZEQ3")),
                                                                  try encoder.encode(VoidRequest(reason: "customer changed their mind"))]
        let seeds = bodies.map { [UInt8]($0) }
        for seed in seeds.prefix(Self.slips.count) { #expect(Self.check(slip: seed) == nil, "the valid slips decode and map") }
        await FuzzCampaign("terminal-request", seed: 0x7E_4A1A_4E00_010B, defaultCases: 4_000).run { input in
            let index = input.below(seeds.count)
            let bytes: [UInt8] = switch input.below(20) {
            case 0: input.randomBytes(upTo: 300)
            case 1...11: input.mutateJSON(seeds[index], rounds: 2)
            case 12...17: input.mutate(seeds[index], rounds: 3, dictionary: Self.words, others: seeds)
            default: input.mutate(input.mutateJSON(seeds[index]), rounds: 1, dictionary: Self.words)
            }
            return switch index {
            case Self.slips.count: Self.check(bytes, as: SecurityCodeRequest.self)
            case Self.slips.count + 1: Self.check(bytes, as: VoidRequest.self)
            default: Self.check(slip: bytes)
            }
        }
    }

    /// A slip body: decoded, or a problem naming its field; a decoded slip re-encodes to itself and
    /// maps to a bet (same legs and stake, a digest blind to the currency's case) or to a problem
    /// naming one of the slip's fields.
    static func check(slip bytes: [UInt8]) -> String? {
        let request: PlaceBetRequest
        switch decode(bytes, as: PlaceBetRequest.self) {
        case .failure(let problem): return problem.description
        case .success(nil): return nil
        case .success(let decoded?): request = decoded
        }
        switch BetRequestMapping.map(request, terminal: "kiosk-1") {
        case .success(let bet):
            guard bet.slip.legs.count == request.legs.count, bet.slip.stakePerLine.minorUnits == request.stakePerLine.minorUnits else {
                return "\(Shown.bytes(bytes)) mapped to a different slip: \(bet.slip)"
            }
            var lowerCase = request
            lowerCase.stakePerLine.currency = request.stakePerLine.currency.lowercased()
            guard BetRequestMapping.digest(of: lowerCase) == bet.requestDigest else {
                return "the currency's case changed the digest of \(Shown.bytes(bytes))"
            }
        case .failure(let problem):
            let allowed = ["idempotencyKey", "type", "legs", "stakePerLine.currency"]
                + request.legs.indices.flatMap { ["legs[\($0)].selectionId", "legs[\($0)].price"] }
            guard let field = problem.field, allowed.contains(field), !problem.detail.isEmpty else {
                return "\(Shown.bytes(bytes)) was refused naming '\(problem.field ?? "no field")': \(problem.detail)"
            }
        }
        return nil
    }

    static func check<Request: Codable & Equatable>(_ bytes: [UInt8], as type: Request.Type) -> String? {
        if case .failure(let problem) = decode(bytes, as: type) { return problem.description }
        return nil
    }

    /// The decoded request (nil: refused as it should be), or what is wrong: a refusal that names
    /// no field of a JSON object, or a request that does not encode back to itself.
    static func decode<Request: Codable & Equatable>(_ bytes: [UInt8], as type: Request.Type) -> Result<Request?, Failure> {
        do {
            let request = try JSONDecoder().decode(Request.self, from: Data(bytes))
            let again = try JSONDecoder().decode(Request.self, from: StableJSON.encoder.encode(request))
            return again == request ? .success(request) : .failure(Failure("\(Shown.bytes(bytes)) decoded to a request that does not round-trip"))
        } catch let error as DecodingError {
            let problem = ProblemMiddleware<TerminalRequestContext>.problem(for: error)
            guard let keys = Self.keys(in: bytes) else { return .success(nil) }
            // The path ends in an index, or in a field of the request or a key of the body (which may hold a dot itself).
            let namesAField = problem.field.map { field in
                field.hasSuffix("]") || fields.union(keys).contains { field == $0 || field.hasSuffix("." + $0) }
            } ?? false
            return namesAField && !problem.detail.isEmpty ? .success(nil)
                : .failure(Failure("\(Shown.bytes(bytes)) was refused naming field '\(problem.field ?? "none")': \(problem.detail)"))
        } catch {
            return .failure(Failure("\(Shown.bytes(bytes)) failed with \(Swift.type(of: error)), not a DecodingError: \(error)"))
        }
    }

    /// Every key of a JSON object body, at any depth, as JSONDecoder reads them (so a duplicated
    /// key or a byte-order mark in a key reads as the request decoding reads it); nil when the
    /// body is not a valid JSON object.
    static func keys(in bytes: [UInt8]) -> Set<String>? {
        // JSONDecoder does not look at what it is not asked for, such as bad UTF-8 in a value.
        guard (try? JSONSerialization.jsonObject(with: Data(bytes))) is [String: Any],
              let collected = try? JSONDecoder().decode(KeyCollector.self, from: Data(bytes)), collected.isObject else { return nil }
        return collected.keys
    }

    struct KeyCollector: Decodable {
        var keys: Set<String> = []
        var isObject = false

        struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        /// Never throws, so decoding an array element always moves on.
        init(from decoder: any Decoder) throws {
            if let object = try? decoder.container(keyedBy: Key.self) {
                isObject = true
                for key in object.allKeys {
                    keys.insert(key.stringValue)
                    if let nested = try? object.decode(KeyCollector.self, forKey: key) { keys.formUnion(nested.keys) }
                }
            } else if var array = try? decoder.unkeyedContainer() {
                while !array.isAtEnd {
                    guard let element = try? array.decode(KeyCollector.self) else { break }
                    keys.formUnion(element.keys)
                }
            }
        }
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }
}
