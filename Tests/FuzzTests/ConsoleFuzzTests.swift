import Appliance
@testable import Console
import Foundation
import Testing
import Wagering

/// The serial console's input side: a line that picks up noise, a technician typing anything, ids
/// typed at the counter. The command dispatcher itself needs a running ApplianceService, so only
/// the pure pieces it leans on are fuzzed here: the line discipline, ticket-id parsing (the
/// `ticket` command's argument), and the masking and wrapping of what it prints.
@Suite("Fuzzing the serial console")
struct ConsoleFuzzTests {
    static let keystrokes = ["status\r\n", "help journal\r", "journal tail 20 --json\n", "stat\u{7F}tus\r", "junk\u{15}help\n", "half\u{03}",
                             "\u{04}", "ab\u{1B}[Ac\r", "\u{1B}OP", "ticket DEM0-0000-005K\r\n", "1234\r", "\u{1B}[1;5D\u{1B}", "\r\r\n\n"]
    static let controls: [[UInt8]] = [[0x0D], [0x0A], [0x0D, 0x0A], [0x7F], [0x08], [0x03], [0x04], [0x15], [0x1B], [0x1B, 0x5B], [0x1B, 0x4F],
                                      [0x07], [0x00], [0x80], [0xFF], [0x9B]]

    @Test("the line discipline: the same events and echo however the bytes are split; lines stay printable and bounded; a PIN is never echoed")
    func lineDiscipline() async {
        await FuzzCampaign("console-line", seed: 0xC0_4E50_4C45_0104, defaultCases: 3_000).run { input in
            let typingOnly = input.chance(percent: 30)
            var bytes: [UInt8] = []
            if typingOnly {
                let keys = Array(0x20...0x7E).map(UInt8.init) + [0x7F, 0x08, 0x15, 0x0D, 0x0A, 0x03]
                for _ in 0..<input.number(in: 0...400) { bytes.append(input.pick(keys)) }
            } else if input.chance(percent: 20) {
                bytes = input.randomBytes(upTo: 600)
            } else {
                for _ in 0..<input.number(in: 1...6) {
                    bytes += input.mutate(Array(input.pick(Self.keystrokes).utf8), rounds: 2, dictionary: Self.controls)
                }
            }
            let masked = input.chance(percent: 30)
            var whole = LineEditor()
            whole.masked = masked
            let once = whole.feed(bytes)
            var pieces = LineEditor()
            pieces.masked = masked
            var echo: [UInt8] = []
            var events: [LineEditor.Event] = []
            for piece in input.chunks(bytes) {
                let (pieceEcho, pieceEvents) = pieces.feed(piece)
                echo += pieceEcho
                events += pieceEvents
                if pieces.buffer.count > LineEditor.maximumLength { return "a line of \(pieces.buffer.count) bytes from \(Shown.bytes(bytes))" }
            }
            let shown = Shown.bytes(bytes)
            guard echo == once.echo, events == once.events else { return "split input gave other events or echo than whole input: \(shown)" }
            for case .line(let line) in events where line.utf8.count > LineEditor.maximumLength || !line.utf8.allSatisfy({ (0x20...0x7E).contains($0) }) {
                return "line \(Shown.text(line)) from \(shown)"
            }
            if masked, let leaked = Self.echoedCharacter(echo) { return "a masked line echoed '\(leaked)': \(shown)" }
            if typingOnly, events != Self.typed(bytes) { return "typing \(shown) gave \(events), expected \(Self.typed(bytes))" }
            return nil
        }
    }

    @Test("ticket ids as typed: canonical ids round-trip in any spelling; one wrong character or two swapped are refused")
    func ticketIDs() async {
        await FuzzCampaign("console-ticket-id", seed: 0x7_1C4E_7100_0105, defaultCases: 5_000).run { input in
            let code = String((0..<4).map { _ in input.pick(Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ")) })
            let id = TicketID(applianceCode: try ApplianceCode(code), serial: input.next() % TicketID.serialLimit)
            let typed = Self.respell(id.description, &input)
            guard (try? TicketID(parsing: typed)) == id else { return "\(id) typed as \(Shown.text(typed)) was not read back" }

            var characters = Array(id.description.filter { $0 != "-" })
            let position = input.below(characters.count)
            if input.chance(percent: 50) {
                let replacement = input.pick(Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ").filter { $0 != characters[position] })
                characters[position] = replacement
            } else {
                let neighbour = position == characters.count - 1 ? position - 1 : position + 1
                guard characters[position] != characters[neighbour] else { return nil }
                characters.swapAt(position, neighbour)
            }
            if let misread = try? TicketID(parsing: String(characters)) { return "\(String(characters)) was read as \(misread), a mistyping of \(id)" }

            let noise = String(decoding: input.mutate(Array(id.description.utf8), dictionary: [Array("-".utf8), Array(" ".utf8), Array("o".utf8)]),
                               as: UTF8.self)
            if let parsed = try? TicketID(parsing: noise), (try? TicketID(parsing: parsed.description)) != parsed {
                return "\(Shown.text(noise)) was read as \(parsed), which does not read back"
            }
            return nil
        }
    }

    @Test("console output: secrets masked on every line, masking idempotent, wrapped lines within the width with no text lost")
    func output() async throws {
        let configurations = try FirmwareConfiguration.texts()
        await FuzzCampaign("console-output", seed: 0xC0_4E50_5554_0106, defaultCases: 1_500).run { input in
            var text = input.mutateLines(input.pick(configurations), dictionary: [Array("secret:".utf8), Array("pin_hash: x".utf8)])
            if input.chance(percent: 30) { text = String(decoding: input.mutate(Array(text.utf8)), as: UTF8.self) }
            let secret = input.bytes(count: 32).map { String(format: "%02x", $0) }.joined()
            var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            lines.insert(input.pick(["    secret: ", "  nut_password: ", "password:", "- { name: x, pin_hash: "]) + secret, at: input.below(lines.count + 1))
            text = lines.joined(separator: "\n")

            let masked = ConfigMasking.mask(text)
            if masked.contains(secret) { return "the secret survived masking in \(Shown.text(masked, limit: 2_000))" }
            guard ConfigMasking.mask(masked) == masked else { return "masking twice changed \(Shown.text(masked, limit: 2_000))" }
            guard masked.split(separator: "\n", omittingEmptySubsequences: false).count == text.split(separator: "\n", omittingEmptySubsequences: false).count
            else { return "masking changed the number of lines" }

            let width = input.number(in: 20...120)
            let indent = input.below(width / 2)
            let prose = input.chance(percent: 50) ? masked : Self.prose(&input)
            return Self.checkWrap(prose, width: width, indent: indent)
        }
    }

    /// A printable character other than the star, outside the `^C` that Ctrl-C echoes.
    static func echoedCharacter(_ echo: [UInt8]) -> Character? {
        let text = String(decoding: echo, as: UTF8.self).replacingOccurrences(of: "^C\r\n", with: "")
        return text.first { $0 != "*" && $0.isASCII && ($0.asciiValue.map { (0x21...0x7E).contains($0) } ?? false) }
    }

    /// What typing `bytes` means, for input without noise or escapes: printable characters up to
    /// the limit, Backspace and Delete erase one, Ctrl-U the line, Ctrl-C drops it, CR, LF or CR LF ends it.
    static func typed(_ bytes: [UInt8]) -> [LineEditor.Event] {
        var events: [LineEditor.Event] = []
        var line: [UInt8] = []
        for (index, byte) in bytes.enumerated() {
            switch byte {
            case 0x0A where index > 0 && bytes[index - 1] == 0x0D: continue
            case 0x0D, 0x0A: events.append(.line(String(decoding: line, as: UTF8.self))); line = []
            case 0x7F, 0x08: _ = line.popLast()
            case 0x15: line = []
            case 0x03: events.append(.cancelled); line = []
            default: if line.count < LineEditor.maximumLength { line.append(byte) }
            }
        }
        return events
    }

    /// `id` as someone might type it: lower case, dashes dropped or spaced, O for zero, I or L for one.
    static func respell(_ id: String, _ input: inout Mutator) -> String {
        var typed = ""
        for character in id {
            switch character {
            case "-": typed += input.pick(["-", "", " ", " - "])
            case "0": typed.append(input.pick(["0", "O", "o"]))
            case "1": typed.append(input.pick(["1", "I", "l", "L", "i"]))
            default: typed += input.chance(percent: 50) ? character.lowercased() : String(character)
            }
        }
        return input.chance(percent: 20) ? "  " + typed + "\t" : typed
    }

    /// Lines of words of any length, with hostile tokens among them.
    static func prose(_ input: inout Mutator) -> String {
        var text = ""
        for _ in 0..<input.number(in: 1...12) {
            switch input.below(10) {
            case 0: text += "\n"
            case 1: text += String(decoding: input.hostileToken(), as: UTF8.self)
            case 2: text += String(repeating: " ", count: input.number(in: 1...5))
            default: text += String(repeating: input.pick(["a", "bc", "\u{E9}", "e\u{301}", "\u{1F3C7}", "-"]), count: input.number(in: 1...90)) + " "
            }
        }
        return text
    }

    /// Wrapped text: no line (as the terminal breaks them, at each LF) wider than `width`, and the
    /// same characters apart from the spaces at a break.
    static func checkWrap(_ text: String, width: Int, indent: Int) -> String? {
        let wrapped = TextWrap.wrap(text, width: width, indent: indent)
        for line in wrapped.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false) {
            let shownLine = String(Substring(line))
            if shownLine.count > width { return "a wrapped line of \(shownLine.count) > \(width) characters: \(Shown.text(shownLine)) from \(Shown.text(text))" }
        }
        let content = { (text: String) in Array(text.unicodeScalars.filter { $0 != " " && $0 != "\n" }) }
        return content(wrapped) == content(text) ? nil : "wrapping at \(width) lost or added text: \(Shown.text(text))"
    }
}
