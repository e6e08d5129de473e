import Foundation
import SyncProtocol
import Testing

/// What central and the appliance read from each other: every sync document, mutated as JSON
/// trees and as bytes. Each must decode to something that encodes back to itself, or fail with a
/// DecodingError that names the field at fault.
@Suite("Fuzzing the sync protocol's wire decoding")
struct SyncWireFuzzTests {
    @Test("push batches, answers, record pages, problems and feed pages decode and round-trip, or name the field at fault")
    func documents() async throws {
        var corpusInput = Mutator(seed: 0x5EED)
        let documents = try SyncCorpus.documents(&corpusInput)
        for document in documents {
            #expect(document.check(document.seed) == nil, "the valid \(document.name) must decode and round-trip")
        }
        let seeds = documents.map(\.seed)
        await FuzzCampaign("sync-wire", seed: 0x5917_C3E5_1BE0_0107, defaultCases: 4_000).run { input in
            let document = input.pick(documents)
            let bytes: [UInt8] = switch input.below(20) {
            case 0: input.randomBytes(upTo: 400)
            case 1...9: input.mutateJSON(document.seed, rounds: 3)
            case 10...16: input.mutate(document.seed, dictionary: SyncCorpus.words, others: seeds)
            default: input.mutate(input.mutateJSON(document.seed), rounds: 2, dictionary: SyncCorpus.words)
            }
            return document.check(bytes).map { "\(document.name): \($0)" }
        }
    }
}

/// One kind of sync document: a valid instance's JSON, and the check any variant of it must pass.
struct WireDocument {
    let name: String
    let seed: [UInt8]
    let check: ([UInt8]) -> String?

    init<Document: Codable & Equatable>(_ name: String, _ value: Document, invariants: @escaping (Document) -> String? = { _ in nil }) throws {
        self.name = name
        seed = Array(try StableJSON.encoder.encode(value))
        check = { bytes in
            do {
                let decoded = try JSONDecoder().decode(Document.self, from: Data(bytes))
                if let problem = invariants(decoded) { return problem }
                let again = try JSONDecoder().decode(Document.self, from: StableJSON.encoder.encode(decoded))
                return again == decoded ? nil : "\(Shown.bytes(bytes)) decoded to a value that does not round-trip"
            } catch let error as DecodingError {
                return DecodingFailure.unnamed(error, in: bytes)
            } catch {
                return "\(Shown.bytes(bytes)) failed with \(type(of: error)), not a DecodingError: \(error)"
            }
        }
    }
}
