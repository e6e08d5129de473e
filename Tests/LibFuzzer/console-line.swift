// libFuzzer harness for the serial console's line discipline (Sources/Console/Line/LineEditor.swift),
// built by scripts/fuzz-libfuzzer. The properties mirror Tests/FuzzTests/ConsoleFuzzTests.swift:
// the same echo and events however the bytes are split, the line never longer than the limit,
// every submitted line printable ASCII within the limit, and a masked line (a PIN) never echoed.
// The first input byte says whether the line is masked (bit 0) and where the rest is split.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConsoleLine(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    let control = input.first ?? 0
    let bytes = Array(input.dropFirst())
    let masked = control & 1 == 1

    var whole = LineEditor()
    whole.masked = masked
    let once = whole.feed(bytes)

    var pieces = LineEditor()
    pieces.masked = masked
    let split = bytes.isEmpty ? 0 : Int(control >> 1) % (bytes.count + 1)
    let first = pieces.feed(bytes[..<split])
    precondition(pieces.buffer.count <= LineEditor.maximumLength, "a line longer than the limit")
    let second = pieces.feed(bytes[split...])
    precondition(pieces.buffer.count <= LineEditor.maximumLength, "a line longer than the limit")
    precondition(first.echo + second.echo == once.echo, "a split changed the echo")
    precondition(first.events + second.events == once.events, "a split changed the events")

    for case .line(let line) in once.events {
        precondition(line.utf8.count <= LineEditor.maximumLength, "a submitted line longer than the limit")
        precondition(line.utf8.allSatisfy { (0x20...0x7E).contains($0) }, "a submitted line with a byte that is not printable ASCII")
    }
    if masked {
        // Ctrl-C echoes "^C" and a new line; anything else printable but '*' is a leaked PIN digit.
        var echo = once.echo[...]
        while let byte = echo.popFirst() {
            if byte == UInt8(ascii: "^"), echo.starts(with: Array("C\r\n".utf8)) {
                echo = echo.dropFirst(3)
                continue
            }
            precondition(byte == UInt8(ascii: "*") || !(0x21...0x7E).contains(byte), "a masked line echoed what was typed")
        }
    }
    return 0
}
