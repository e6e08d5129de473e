import Testing
import TerminalProtocol

@Suite("Request signatures: known answers")
struct RequestSignatureTests {
    // Computed with Python's hmac and hashlib, an implementation independent of ours:
    // hmac.new(secret, "\n".join([METHOD, path, timestamp, nonce, sha256(body).hexdigest()]), sha256)
    static let secret = TerminalSecret(hex: "ae52a80f2effc482a50e19d1e1f6f83762e71cd841661cfe33725fb8ee026c9e")!

    @Test("a request with a body and a query string signs as the documented formula says")
    func withBody() {
        let signature = RequestSignature.sign(secret: Self.secret, method: "POST", path: "/v1/bets?x=1", timestampMillis: 1_764_500_000_000,
                                              nonce: "nonce-0001", body: Array(#"{"stake":"2.00"}"#.utf8))
        #expect(signature == "d0dd8b70e1f8a499345ce7ca1eab944a0d0d1221d6ff4b9b0e5a8fe83543cd5b")
    }

    @Test("an empty body hashes as the empty string, the method is upper-cased, and a non-contiguous body signs alike")
    func emptyBodyAndLowerCaseMethod() {
        let expected = "91c113b2a6d12c8cfc13b13bfbc1d542f950110382baa4e5f440ce0172e860fe"
        #expect(RequestSignature.sign(secret: Self.secret, method: "get", path: "/v1/board", timestampMillis: 1_764_500_000_000,
                                      nonce: "nonce-0002", body: [UInt8]()) == expected)
        #expect(RequestSignature.sign(secret: Self.secret, method: "GET", path: "/v1/board", timestampMillis: 1_764_500_000_000,
                                      nonce: "nonce-0002", body: EmptyCollection<UInt8>().lazy.map { $0 }) == expected)
    }

    @Test("one signing key serves any number of requests: the keyed HMAC is copied, never consumed")
    func keyReused() {
        let first = RequestSignature.sign(secret: Self.secret, method: "GET", path: "/v1/board", timestampMillis: 1_764_500_000_000,
                                          nonce: "nonce-0002", body: [UInt8]())
        let second = RequestSignature.sign(secret: Self.secret, method: "GET", path: "/v1/board", timestampMillis: 1_764_500_000_000,
                                           nonce: "nonce-0002", body: [UInt8]())
        #expect(first == second && first == "91c113b2a6d12c8cfc13b13bfbc1d542f950110382baa4e5f440ce0172e860fe")
    }
}
