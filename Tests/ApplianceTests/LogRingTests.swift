import Appliance
import Logging
import NIOConcurrencyHelpers
import Testing

@Suite("Log ring: lines kept for the console and copied to standard error")
struct LogRingTests {
    /// Collects what a StreamLogHandler writes (under NIO's lock: ADR 0005).
    final class CapturedText: TextOutputStream, Sendable {
        private let text = NIOLockedValueBox("")
        func write(_ string: String) { text.withLockedValue { $0 += string } }
        var lines: [Substring] { text.withLockedValue { $0 }.split(separator: "\n") }
    }

    @Test("each line at or above the level reaches both the ring and the stream, with the logger's and the call's metadata")
    func linesReachBoth() throws {
        let ring = LogRing(capacity: 2)
        let captured = CapturedText()
        var logger = Logger(label: "test") { label in
            ring.handler(label: label, level: .info, copyingTo: StreamLogHandler(label: label, stream: captured))
        }
        logger[metadataKey: "request"] = "7"
        logger.debug("below the level")
        logger.info("first")
        logger.warning("second", metadata: ["terminal": "kiosk-1"])
        logger.error("third", metadata: ["request": "8"])

        #expect(captured.lines.count == 3)
        #expect(captured.lines.allSatisfy { !$0.contains("below the level") })
        #expect(captured.lines[0].contains("request=7") && captured.lines[0].hasSuffix("first"))
        #expect(captured.lines[1].contains("request=7 terminal=kiosk-1") && captured.lines[1].hasSuffix("second"))
        #expect(captured.lines[2].contains("request=8") && !captured.lines[2].contains("request=7"))

        // Bounded: the oldest line went.
        let kept = ring.tail(10)
        #expect(kept.count == 2)
        #expect(kept[0].hasSuffix("warning second request=7 terminal=kiosk-1"))
        #expect(kept[1].hasSuffix("error third request=8"))
    }
}
