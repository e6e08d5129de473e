import Appliance
@testable import Console
import Testing

@Suite("Console line discipline, lockout and wrapping, without a terminal")
struct LineDisciplineTests {
    @Test("Enter, CR LF as one Enter, Backspace, Ctrl-U, Ctrl-C and Ctrl-D")
    func editing() {
        var editor = LineEditor()
        #expect(editor.feed(Array("stat\u{7f}tus\r\n".utf8)).events == [.line("status")])
        #expect(editor.feed(Array("junk\u{15}help\n".utf8)).events == [.line("help")])
        #expect(editor.feed(Array("half a line\u{03}".utf8)).events == [.cancelled])
        #expect(editor.feed([0x04]).events == [.endOfInput])
        #expect(editor.feed(Array("x\u{04}".utf8)).events == [], "Ctrl-D only logs out on an empty line")
    }

    @Test("arrow keys are swallowed; noise makes the line unusable; a masked line echoes stars")
    func noiseAndMasking() {
        var editor = LineEditor()
        #expect(editor.feed(Array("ab\u{1b}[Ac\r".utf8)).events == [.line("abc")])
        #expect(editor.feed([0x61, 0xFF, 0x80, 0x0D]).events == [.noisyLine(droppedBytes: 2)])
        editor.masked = true
        let (echo, events) = editor.feed(Array("4321\r".utf8))
        #expect(String(decoding: echo, as: UTF8.self) == "****\r\n" && events == [.line("4321")])
    }

    @Test("a line longer than the limit rings the bell instead of growing")
    func longLine() {
        var editor = LineEditor()
        let (echo, _) = editor.feed(Array(repeating: UInt8(ascii: "a"), count: LineEditor.maximumLength + 5))
        #expect(editor.buffer.count == LineEditor.maximumLength)
        #expect(echo.filter { $0 == 0x07 }.count == 5)
    }

    @Test("random bytes never crash the editor and never make an unbounded line", arguments: 1...20)
    func randomBytes(seed: UInt64) {
        var editor = LineEditor()
        var state = seed
        for _ in 0..<2_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            _ = editor.feed([UInt8(truncatingIfNeeded: state >> 33)])
            #expect(editor.buffer.count <= LineEditor.maximumLength)
        }
    }

    @Test("lockout after the allowed failures, doubling, capped, reset by a success")
    func lockout() {
        var throttle = LoginThrottle(allowedFailures: 2, baseDelayMillis: 1_000, maximumDelayMillis: 3_000)
        #expect(throttle.failed(atMillis: 0) == nil)
        #expect(throttle.failed(atMillis: 10) == 1_000)
        #expect(throttle.remainingLockout(atMillis: 500) == 510)
        #expect(throttle.remainingLockout(atMillis: 1_010) == nil)
        #expect(throttle.failed(atMillis: 2_000) == 2_000)
        #expect(throttle.failed(atMillis: 5_000) == 3_000, "capped")
        throttle.succeeded()
        #expect(throttle.remainingLockout(atMillis: 5_001) == nil && throttle.consecutiveFailures == 0)
    }

    @Test("output wider than 80 columns is wrapped at a space")
    func wrapping() {
        let long = String(repeating: "word ", count: 40)
        let wrapped = TextWrap.wrap(long)
        #expect(wrapped.split(separator: "\n").allSatisfy { $0.count <= 80 })
        #expect(wrapped.split(separator: "\n").dropFirst().allSatisfy { $0.hasPrefix("  ") })
    }
}
