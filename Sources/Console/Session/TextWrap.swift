/// Keeps console output inside an 80-column terminal: a longer line is broken at its last space
/// before the edge (or hard at the edge), the continuation indented two spaces.
enum TextWrap {
    static func wrap(_ text: String, width: Int = 80) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { wrapLine(Substring($0), width: width) }.joined(separator: "\n")
    }

    private static func wrapLine(_ line: Substring, width: Int) -> String {
        var pieces: [String] = []
        var rest = line
        var limit = width
        while rest.count > limit {
            let edge = rest.index(rest.startIndex, offsetBy: limit)
            let head = rest[..<edge]
            let cut = head.lastIndex(of: " ").flatMap { $0 > rest.startIndex ? $0 : nil } ?? edge
            pieces.append(String(rest[..<cut]))
            rest = rest[cut...].drop { $0 == " " }
            limit = width - 2
        }
        pieces.append(String(rest))
        return pieces.enumerated().map { $0.offset == 0 ? $0.element : "  " + $0.element }.joined(separator: "\n")
    }
}
