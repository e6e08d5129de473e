import Foundation

/// Bytes this process has handed to `write`-family system calls so far (`wchar` in
/// `/proc/self/io`), or nil where that file is missing. The journal benchmark reports it per bet:
/// on an appliance's flash, bytes written per bet is wear, not only time.
func processBytesWritten() -> Int64? {
    guard let io = try? String(contentsOfFile: "/proc/self/io", encoding: .utf8) else { return nil }
    for line in io.split(separator: "\n") where line.hasPrefix("wchar:") {
        return Int64(line.dropFirst("wchar:".count).trimmingCharacters(in: .whitespaces))
    }
    return nil
}
