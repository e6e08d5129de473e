/// Central's rule for a pushed batch, kept free of I/O so the reference central, the tests and
/// the simulator apply the same one: the batch must be contiguous and intact, agree with every
/// record central already holds, and continue central's chain exactly where it ends.
public enum BatchAdmission {
    /// What to store: the batch's records that are new, and central's head once they are stored.
    public struct Admitted: Hashable, Sendable {
        public var newRecords: ArraySlice<JournalRecord>
        public var head: SyncHead
    }

    /// - Parameters:
    ///   - head: central's high-water mark for this appliance.
    ///   - heldHashes: the hashes central holds for the batch's seqs at or below `head`
    ///     (a resend); a seq missing from it is treated as a fork, since central holds every
    ///     seq up to its head.
    public static func admit(_ records: [JournalRecord], after head: SyncHead,
                             heldHashes: [Int64: [UInt8]]) -> Result<Admitted, SyncProblem> {
        guard records.count <= PushBatch.maxRecords else {
            return .failure(SyncProblem(.badBatch, detail: "\(records.count) records in one batch; at most \(PushBatch.maxRecords)"))
        }
        guard let first = records.first else { return .success(Admitted(newRecords: [], head: head)) }
        guard first.seq >= 1 else {
            return .failure(SyncProblem(.badBatch, detail: "record seqs start at 1, the batch starts at \(first.seq)", seq: first.seq))
        }
        // A hostile batch can start anywhere up to Int64.max: the arithmetic must not trap.
        let (_, overflow) = first.seq.addingReportingOverflow(Int64(records.count - 1))
        guard !overflow else {
            return .failure(SyncProblem(.badBatch, detail: "a batch of \(records.count) records cannot start at seq \(first.seq)", seq: first.seq))
        }
        for (index, record) in records.enumerated() {
            guard record.seq == first.seq + Int64(index) else {
                return .failure(SyncProblem(.badBatch, detail: "the batch is not contiguous: record \(record.seq) at position \(index)",
                                            seq: record.seq))
            }
            // Hashes are 32 bytes on the wire; a caller that built a record otherwise gets a refusal, not a trap.
            guard record.previousHash.count == 32, record.hash.count == 32 else {
                return .failure(SyncProblem(.badBatch, detail: "record \(record.seq)'s hashes are not 32 bytes each", seq: record.seq))
            }
            guard record.isIntact else {
                return .failure(SyncProblem(.altered, detail: "record \(record.seq)'s hash is not the hash of its contents",
                                            seq: record.seq))
            }
            if index > 0, record.previousHash != records[index - 1].hash {
                return .failure(SyncProblem(.fork, detail: "record \(record.seq) does not follow record \(record.seq - 1) in the batch",
                                            seq: record.seq, highWater: head))
            }
        }
        for record in records where record.seq <= head.seq {
            guard heldHashes[record.seq] == record.hash else {
                return .failure(SyncProblem(.fork, detail: "record \(record.seq) differs from the record \(record.seq) central holds",
                                            seq: record.seq, highWater: head))
            }
        }
        let newStart = records.firstIndex { $0.seq > head.seq } ?? records.endIndex
        let newRecords = records[newStart...]
        guard let firstNew = newRecords.first else { return .success(Admitted(newRecords: [], head: head)) }
        guard firstNew.seq == head.seq + 1 else {
            return .failure(SyncProblem(.gap, detail: "central holds records up to \(head.seq); the batch starts at \(firstNew.seq)",
                                        seq: firstNew.seq, highWater: head))
        }
        guard firstNew.previousHash == head.hash else {
            return .failure(SyncProblem(.fork, detail: "record \(firstNew.seq) does not follow record \(head.seq) as central holds it",
                                        seq: firstNew.seq, highWater: head))
        }
        let last = newRecords[newRecords.endIndex - 1]
        return .success(Admitted(newRecords: newRecords, head: SyncHead(seq: last.seq, hash: last.hash)))
    }
}
