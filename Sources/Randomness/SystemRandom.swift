import Glibc

/// The operating system's random numbers, for ticket security codes, terminal secrets, nonces
/// and retry jitter: what every caller that is not a seeded test or simulation passes as its
/// `RandomNumberGenerator`. glibc's arc4random_buf(3) draws from the kernel (getrandom(2)) and
/// cannot fail.
///
/// Why not the standard library's `SystemRandomNumberGenerator`: it has no stored properties, and
/// ThreadSanitizer's instrumentation of an `inout` access to a zero-sized value crashes the
/// process (swiftlang/swift#66099, open). The appliance has to run under that sanitizer
/// (scripts/sanitize), so this generator has a size (a count of its draws) and asks the C
/// library itself rather than through the standard library's inlinable code.
public struct SystemRandom: RandomNumberGenerator, Sendable {
    /// How many numbers this generator has handed out.
    public private(set) var draws: UInt64 = 0

    public init() {}

    public mutating func next() -> UInt64 {
        draws &+= 1
        var value: UInt64 = 0
        withUnsafeMutableBytes(of: &value) { arc4random_buf($0.baseAddress!, $0.count) }
        return value
    }
}
