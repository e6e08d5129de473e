/// Keeps technicians' output (the console, `holdfast drill`) inside an 80-column terminal: a
/// longer line is broken at its last space before the edge (or hard at the edge), each
/// continuation indented by `indent` spaces.
public enum TextWrap {
    public static func wrap(_ text: String, width: Int = 80, indent: Int = 2) -> String {
        precondition(indent < width / 2, "an indent leaves room for the text")
        return text.split(separator: "\n", omittingEmptySubsequences: false)
            .map { wrapLine(Substring($0), width: width, indent: indent) }.joined(separator: "\n")
    }

    private static func wrapLine(_ line: Substring, width: Int, indent: Int) -> String {
        var pieces: [String] = []
        var rest = line
        var limit = width
        while rest.count > limit {
            let edge = rest.index(rest.startIndex, offsetBy: limit)
            let head = rest[..<edge]
            let cut = head.lastIndex(of: " ").flatMap { $0 > rest.startIndex ? $0 : nil } ?? edge
            pieces.append(String(rest[..<cut]))
            rest = rest[cut...].drop { $0 == " " }
            limit = width - indent
        }
        pieces.append(String(rest))
        let margin = String(repeating: " ", count: indent)
        return pieces.enumerated().map { $0.offset == 0 ? $0.element : margin + $0.element }.joined(separator: "\n")
    }
}
