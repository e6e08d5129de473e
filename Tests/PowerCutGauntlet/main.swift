// Real power cuts: holdfastd in a qemu VM on an ext4 disk image, terminals on the host placing
// bets through a forwarded port, and qemu SIGKILLed at a random moment of the load, again and
// again. After each boot every bet a terminal saw acknowledged must be there, and every bet in
// doubt is retried with its key (the answer says whether it had been committed). At the end the
// journal is read off the disk: the chain must verify and no key may have made two bets; central
// must hold exactly the journal's records; every finished backup on the disk must verify.
//
//     PowerCutGauntlet [--cuts N] [--seed S] [--terminals K] [--load-ms MIN-MAX]
//                      [--kinds load,staged,sync,backup,checkpoint] [--work DIR]
//
// The UPS is a real upsd with the dummy-ups driver on the host, and central a real
// holdfast-central on a private PostgreSQL there, behind a fault proxy. The cuts take the kinds
// in turn: `load` (bets only), `staged` (the UPS reports low battery first, so the cut lands in the
// staged shutdown), `sync` (the link holds a push or its answer), `backup` and `checkpoint` (a
// technician runs `backup now` or `journal checkpoint` on the serial console, and the cut comes
// part way through it).
//
// The last line is `power cuts: N, acknowledged bets: M, lost: L, duplicated: D`; the exit status
// is 0 only when L and D are 0 and the chain verifies. Any run repeats its cut timings from --seed.
import Foundation
import TerminalClient
import TerminalProtocol
import TestSupport

struct Options {
    var cuts = 3
    var seed = UInt64.random(in: 1...UInt64.max)
    var terminals = 8
    var loadMillis = 500...5_000
    var kinds = CutKind.allCases
    var work: String?

    init(_ arguments: [String]) throws {
        var rest = arguments[...]
        func value(_ name: String) throws -> String {
            guard let next = rest.popFirst() else { throw ChildProcessError("\(name) needs a value") }
            return next
        }
        func number<Value: FixedWidthInteger>(_ name: String, in range: ClosedRange<Value>) throws -> Value {
            guard let parsed = Value(try value(name)), range.contains(parsed) else { throw ChildProcessError("\(name) wants a number in \(range)") }
            return parsed
        }
        while let argument = rest.popFirst() {
            switch argument {
            case "--cuts": cuts = try number(argument, in: 1...100_000)
            case "--seed": seed = try number(argument, in: 0...UInt64.max)
            case "--terminals": terminals = try number(argument, in: 1...256)
            case "--kinds":
                let names = try value(argument).split(separator: ",").map(String.init)
                kinds = names.compactMap(CutKind.init(rawValue:))
                guard !kinds.isEmpty, kinds.count == names.count else {
                    throw ChildProcessError("--kinds wants a comma-separated list of \(CutKind.allCases.map(\.rawValue).joined(separator: ", "))")
                }
            case "--load-ms":
                let bounds = try value(argument).split(separator: "-").compactMap { Int($0) }
                guard bounds.count == 2, bounds[0] > 0, bounds[0] <= bounds[1] else { throw ChildProcessError("--load-ms wants MIN-MAX milliseconds") }
                loadMillis = bounds[0]...bounds[1]
            case "--work": work = try value(argument)
            default: throw ChildProcessError("unknown argument \(argument)")
            }
        }
    }
}

/// One line to standard output at once: `print` buffers when the output is a pipe, and the test
/// and scripts/gauntlet should see each cut as it happens.
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

let options: Options
do { options = try Options(Array(CommandLine.arguments.dropFirst())) } catch {
    FileHandle.standardError.write(Data("power-cut gauntlet: \(error)\n".utf8))
    exit(2)
}
do {
    let passed = try await PowerCutRun(options: options).run()
    exit(passed ? 0 : 1)
} catch {
    FileHandle.standardError.write(Data("power-cut gauntlet: \(error)\n".utf8))
    exit(1)
}
