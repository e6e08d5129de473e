import Foundation
import SyncProtocol
import Testing

/// Central's admission of pushed batches, and the chain walker both sides verify with, fed valid
/// chains with something changed: a bit flipped in a field, a record dropped, duplicated or moved,
/// a record rewritten and resealed (a forger who recomputes hashes), the seqs renumbered.
@Suite("Fuzzing chain admission and verification")
struct SyncChainFuzzTests {
    @Test("a pushed batch starting at the largest seq is refused, not a crash of central (found by this fuzzing)")
    func batchAtTheEndOfSeqs() throws {
        var input = Mutator(seed: 0x2002)
        let chain = SyncCorpus.chain(2, &input)
        let first = SyncCorpus.reseal(JournalRecord(seq: .max, wallMillis: chain[0].wallMillis, monotonicNanos: chain[0].monotonicNanos,
                                                    kind: chain[0].kind, payload: chain[0].payload, previousHash: chain[0].previousHash,
                                                    hash: chain[0].hash), previousHash: ChainHash.genesis)
        let body = try StableJSON.encoder.encode(PushBatch(appliance: "HF01", records: [first, chain[1]]))
        let batch = try JSONDecoder().decode(PushBatch.self, from: body)
        guard case .failure(let problem) = BatchAdmission.admit(batch.records, after: .empty, heldHashes: [:]) else {
            Issue.record("a batch from seq Int64.max was admitted")
            return
        }
        #expect(problem.type == .badBatch, "\(problem)")
    }

    @Test("a batch is admitted exactly when it continues central's chain intact; anything else is refused with a reason")
    func admission() async throws {
        var longInput = Mutator(seed: 0x2001)
        let overlong = SyncCorpus.chain(PushBatch.maxRecords + 1, &longInput)
        await FuzzCampaign("sync-admission", seed: 0xAD_4155_5104_0108, defaultCases: 4_000).run { input in
            let tooMany = input.chance(percent: 1)
            let original = tooMany ? overlong : SyncCorpus.chain(input.number(in: 1...12), &input)
            let held = input.number(in: 0...original.count)
            let head = held == 0 ? SyncHead.empty : SyncHead(seq: Int64(held), hash: original[held - 1].hash)
            let heldHashes = Dictionary(uniqueKeysWithValues: original.prefix(held).map { ($0.seq, $0.hash) })
            let first = tooMany ? 1 : input.number(in: 1...original.count)
            var batch = Array(original[(first - 1)..<(tooMany ? original.count : input.number(in: first...original.count))])
            let alteration = ChainAlteration.random(for: batch, &input)
            alteration.apply(to: &batch, &input)
            var mutatedOnTheWire = false
            if input.chance(percent: 20) {
                // Through the wire, as central gets it; a body that no longer decodes is sync-wire's business.
                var json = Array(try StableJSON.encoder.encode(PushBatch(appliance: "HF01", records: batch)))
                mutatedOnTheWire = input.chance(percent: 50)
                if mutatedOnTheWire { json = input.mutate(json, rounds: 1) }
                guard let decoded = try? JSONDecoder().decode(PushBatch.self, from: Data(json)) else { return nil }
                batch = decoded.records
            }
            let shown = "\(alteration) on records \(first)... of \(original.count), central holding \(held)"
            let admissible = Self.admissible(batch, original: original, held: held)
            switch BatchAdmission.admit(batch, after: head, heldHashes: heldHashes) {
            case .success(let admitted):
                guard admissible else { return "admitted a batch that does not continue central's chain: \(shown)" }
                for record in batch where record.seq <= Int64(held) && record != original[Int(record.seq) - 1] {
                    return "admitted record \(record.seq), which differs from the one central holds: \(shown)"
                }
                let new = batch.filter { $0.seq > Int64(held) }
                let newHead = new.last.map { SyncHead(seq: $0.seq, hash: $0.hash) } ?? head
                guard Array(admitted.newRecords) == new, admitted.head == newHead else {
                    return "admitted \(admitted.newRecords.count) new records up to \(admitted.head), expected \(new.count) up to \(newHead): \(shown)"
                }
            case .failure(let problem):
                guard !admissible else { return "refused an intact continuation of central's chain (\(problem)): \(shown)" }
                guard [.badBatch, .altered, .fork, .gap].contains(problem.type), !problem.detail.isEmpty, problem.status == problem.type.status,
                      problem.seq != nil || batch.count > PushBatch.maxRecords else {
                    return "refused without a proper reason: \(problem) (seq \(String(describing: problem.seq))): \(shown)"
                }
                if case .flip(let index, let field) = alteration, field != .seq, !mutatedOnTheWire, batch.count <= PushBatch.maxRecords,
                   problem.type != .altered || problem.seq != batch[index].seq {
                    return "a record altered in its \(field) was refused as \(problem), not as altered at seq \(batch[index].seq): \(shown)"
                }
            }
            return nil
        }
    }

    @Test("the chain walker stops at exactly the first record that differs, and says why; a consistent forgery changes the head")
    func walker() async {
        await FuzzCampaign("sync-walker", seed: 0xC4A1_4A1C_E200_0109, defaultCases: 4_000).run { input in
            let original = SyncCorpus.chain(input.number(in: 1...16), &input)
            var altered = original
            let alteration = ChainAlteration.random(for: altered, &input)
            alteration.apply(to: &altered, &input)
            var walker = ChainWalker()
            var found: (index: Int, problem: ChainWalker.Break)?
            for (index, record) in altered.enumerated() {
                if let problem = walker.step(record) {
                    found = (index, problem)
                    break
                }
            }
            let shown = "\(alteration) on \(original.count) records"
            guard let (index, expected) = Self.expectedBreak(altered, original: original, alteration: alteration) else {
                guard found == nil, walker.recordsChecked == Int64(altered.count) else { return "broke at \(found!) though intact: \(shown)" }
                if case .forge = alteration, walker.head.hash == original.last!.hash { return "a forged chain kept the original head: \(shown)" }
                return nil
            }
            guard let found, found.index == index, found.problem == expected, walker.recordsChecked == Int64(index) else {
                return "broke at \(String(describing: found)), expected \(expected) at record \(index): \(shown)"
            }
            return nil
        }
    }

    /// Where the walker must stop and why: at the first record that is not the original's (a
    /// missing seq, a wrong previous hash, or contents that are not its hash), except that a
    /// resealed forgery passes as far as it is linked up.
    static func expectedBreak(_ altered: [JournalRecord], original: [JournalRecord],
                              alteration: ChainAlteration) -> (index: Int, problem: ChainWalker.Break)? {
        if case .forge(let index, let relink) = alteration {
            return relink || index == altered.count - 1 ? nil : (index + 1, .previousHashMismatch(seq: altered[index + 1].seq))
        }
        guard let index = (0..<min(altered.count, original.count)).first(where: { altered[$0] != original[$0] })
                ?? (altered.count > original.count ? original.count : nil)
        else { return nil }
        let record = altered[index]
        if record.seq != Int64(index + 1) { return (index, .missing(expected: Int64(index + 1), found: record.seq)) }
        if record.previousHash != (index == 0 ? ChainHash.genesis : original[index - 1].hash) { return (index, .previousHashMismatch(seq: record.seq)) }
        return (index, .hashMismatch(seq: record.seq))
    }

    /// The rule, restated through the walker: a batch continues central's chain when it starts at
    /// or before central's head + 1, walks intact from central's record just before it, and
    /// agrees with every record central already holds.
    static func admissible(_ batch: [JournalRecord], original: [JournalRecord], held: Int) -> Bool {
        guard let first = batch.first else { return true }
        guard batch.count <= PushBatch.maxRecords, first.seq >= 1, first.seq <= Int64(held) + 1 else { return false }
        var walker = ChainWalker(after: first.seq == 1 ? .empty : SyncHead(seq: first.seq - 1, hash: original[Int(first.seq) - 2].hash))
        for record in batch {
            guard walker.step(record) == nil else { return false }
            if record.seq <= Int64(held), record.hash != original[Int(record.seq) - 1].hash { return false }
        }
        return true
    }
}

/// One change to a valid run of records.
enum ChainAlteration: CustomStringConvertible {
    enum Field: CaseIterable { case seq, wallMillis, monotonicNanos, kind, payload, previousHash, hash }

    case none
    /// A field changed and the hash left as it was.
    case flip(index: Int, field: Field)
    case drop(index: Int)
    case duplicate(index: Int)
    case swap(Int, Int)
    case reverse
    /// The record rewritten and resealed; with `relink`, every later record resealed after it too.
    case forge(index: Int, relink: Bool)
    /// Every seq moved by `offset` and the run resealed from its first record's previous hash.
    case renumber(offset: Int64)

    static func random(for records: [JournalRecord], _ input: inout Mutator) -> ChainAlteration {
        guard !records.isEmpty else { return .none }
        let index = input.below(records.count)
        return switch input.below(12) {
        case 0: .none
        case 1...4: .flip(index: index, field: input.pick(Field.allCases))
        case 5: .drop(index: index)
        case 6: .duplicate(index: index)
        case 7: .swap(index, input.below(records.count))
        case 8: .reverse
        case 9, 10: .forge(index: index, relink: input.chance(percent: 50))
        // Up to Int64.max: a hostile batch may start anywhere a seq can.
        default: .renumber(offset: input.pick([-3, -1, 1, 2, 1_000, -1_000_000, Int64(Int32.max), Int64.min / 2, Int64.max - 1]))
        }
    }

    func apply(to records: inout [JournalRecord], _ input: inout Mutator) {
        switch self {
        case .none: break
        case .flip(let index, let field): Self.flip(field, of: &records[index], &input)
        case .drop(let index): records.remove(at: index)
        case .duplicate(let index): records.insert(records[index], at: index + 1)
        case .swap(let first, let second): records.swapAt(first, second)
        case .reverse: records.reverse()
        case .forge(let index, let relink):
            var forged = records[index]
            forged.payload += Array(" forged".utf8)
            records[index] = SyncCorpus.reseal(forged, previousHash: forged.previousHash)
            if relink {
                for later in records.indices.dropFirst(index + 1) {
                    records[later] = SyncCorpus.reseal(records[later], previousHash: records[later - 1].hash)
                }
            }
        case .renumber(let offset):
            for index in records.indices {
                var moved = records[index]
                moved.seq &+= offset // wrapping past Int64.max, as a hostile batch may
                records[index] = SyncCorpus.reseal(moved, previousHash: index == 0 ? moved.previousHash : records[index - 1].hash)
            }
        }
    }

    private static func flip(_ field: Field, of record: inout JournalRecord, _ input: inout Mutator) {
        let bit = input.below(64)
        switch field {
        case .seq: record.seq ^= 1 << bit
        case .wallMillis: record.wallMillis ^= 1 << bit
        case .monotonicNanos: record.monotonicNanos ^= 1 << bit
        case .kind: record.kind = String(decoding: flipped(Array(record.kind.utf8), &input), as: UTF8.self)
        case .payload: record.payload = flipped(record.payload, &input)
        case .previousHash: record.previousHash = flipped(record.previousHash, &input)
        case .hash: record.hash = flipped(record.hash, &input)
        }
    }

    /// One bit changed, or a byte added to nothing.
    private static func flipped(_ bytes: [UInt8], _ input: inout Mutator) -> [UInt8] {
        guard !bytes.isEmpty else { return [UInt8(ascii: "x")] }
        var bytes = bytes
        bytes[input.below(bytes.count)] ^= 1 << UInt8(input.below(8))
        return bytes
    }

    var description: String {
        switch self {
        case .none: "nothing changed"
        case .flip(let index, let field): "\(field) of record \(index) changed"
        case .drop(let index): "record \(index) dropped"
        case .duplicate(let index): "record \(index) duplicated"
        case .swap(let first, let second): "records \(first) and \(second) swapped"
        case .reverse: "records reversed"
        case .forge(let index, let relink): "record \(index) forged and resealed\(relink ? " with every later one" : "")"
        case .renumber(let offset): "seqs moved by \(offset) and resealed"
        }
    }
}
