/// Hides secrets in configuration text before it is shown on the console: terminal secrets,
/// technicians' PIN hashes, the NUT password.
enum ConfigMasking {
    static let secretKeys = ["secret", "pin_hash", "nut_password", "password"]

    static func mask(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            var masked = String(line)
            for key in secretKeys {
                var searchStart = masked.startIndex
                while let range = masked.range(of: "\(key):", range: searchStart..<masked.endIndex) {
                    let isWholeKey = range.lowerBound == masked.startIndex || !(masked[masked.index(before: range.lowerBound)].isLetter || masked[masked.index(before: range.lowerBound)] == "_")
                    let valueStart = range.upperBound
                    let valueEnd = masked[valueStart...].firstIndex { $0 == "," || $0 == "}" || $0 == "#" } ?? masked.endIndex
                    if isWholeKey && !masked[valueStart..<valueEnd].trimmingCharacters(in: .whitespaces).isEmpty {
                        masked.replaceSubrange(valueStart..<valueEnd, with: " ******** ")
                        searchStart = masked.index(valueStart, offsetBy: 10, limitedBy: masked.endIndex) ?? masked.endIndex
                    } else {
                        searchStart = range.upperBound
                    }
                }
            }
            return masked
        }.joined(separator: "\n")
    }
}
