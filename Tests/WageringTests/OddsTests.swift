import Foundation
import PropertyBased
import Testing
@testable import Wagering

/// Valid odds over a spread of scales: small fractional prices, everyday ones, and fine ones
/// with large denominators.
let anyOdds = zip(Gen.int64(in: 1...1_000_000), Gen.int64(in: 1...1_000_000), Gen.int(in: 0...2))
    .compactMap { a, b, scale -> Odds? in
        let (top, bottom): (Int64, Int64) = switch scale {
        case 0: (a % 40 + 1, b % 12 + 1)
        case 1: (a % 10_000 + 1, b % 1_000 + 1)
        default: (a, b)
        }
        return try? Odds(fractionalNumerator: top, denominator: bottom)
    }

/// Decimal display worked out by long division: exact when the expansion stops within four
/// places (at least two shown), else two places rounded half away from zero.
func referenceDecimalString(_ odds: Odds) -> String {
    let (n, d) = (odds.numerator, odds.denominator)
    let whole = n / d
    var remainder = n % d
    var digits: [Int64] = []
    var remainderAfterTwo: Int64 = 0
    for place in 1...4 {
        remainder *= 10
        digits.append(remainder / d)
        remainder %= d
        if place == 2 { remainderAfterTwo = remainder }
    }
    if remainder == 0 {
        var count = 4
        while count > 2 && digits[count - 1] == 0 { count -= 1 }
        return "\(whole)." + digits[0..<count].map(String.init).joined()
    }
    var hundredths = whole * 100 + digits[0] * 10 + digits[1]
    if 2 * remainderAfterTwo >= d { hundredths += 1 }
    let cents = hundredths % 100
    return "\(hundredths / 100).\(cents < 10 ? "0" : "")\(cents)"
}

@Suite("Odds: parsing, exact conversion and display")
struct OddsTests {
    @Test("decimal 2.375, fractional 11/8 and American +138 are one price")
    func twoPointThreeSevenFive() throws {
        let decimal = try Odds.parse("2.375")
        let fractional = try Odds.parse("11/8")
        #expect(decimal == fractional)
        #expect(decimal.numerator == 19 && decimal.denominator == 8)
        #expect(decimal.fractional == (11, 8))
        #expect(decimal.fractionalString == "11/8")
        #expect(decimal.decimalString == "2.375")
        #expect(decimal.american == 138, "+137.5 displays rounded half away from zero")
        #expect(decimal.americanString == "+138")
        // +138 typed in is its own, different, exact price: 2.38.
        #expect(try Odds.parse("+138") == price(238, 100))
        #expect(try Odds.parse("+138") != decimal)
    }

    @Test("American -150 is exactly decimal 5/3 and fractional 2/3")
    func minusOneFifty() throws {
        let american = try Odds.parse("-150")
        #expect(american == price(5, 3))
        #expect(american == (try Odds.parse("2/3")))
        #expect(american.american == -150)
        #expect(american.americanString == "-150")
        #expect(american.decimalString == "1.67")
        #expect(american.fractionalString == "2/3")
    }

    @Test("evens has one value however it is written",
          arguments: ["evens", "EVS", "Even", " evens ", "1/1", "2/2", "2", "2.0", "2.000000", "+100", "-100", "100/100"])
    func evensForms(_ text: String) throws {
        let odds = try Odds.parse(text)
        #expect(odds == .evens)
        #expect(odds.numerator == 2 && odds.denominator == 1)
        #expect(odds.fractionalString == "evens")
        #expect(odds.american == 100)
        #expect(odds.americanString == "+100")
        #expect(odds.decimalString == "2.00")
    }

    @Test("American +100 and -100 are both decimal 2.0")
    func americanEvens() throws {
        #expect(try Odds(american: 100) == Odds(american: -100))
        #expect(try Odds(american: 100) == price(2))
        #expect(try Odds.parseAmerican("100") == .evens)
    }

    @Test("American conversions both sides of evens")
    func americanConversions() throws {
        #expect(try Odds(american: 150) == price(5, 2))
        #expect(try Odds(american: -110) == price(21, 11))
        #expect(try Odds(american: -110).decimalString == "1.91")
        #expect(try Odds(american: -110).american == -110)
        #expect(price(3, 2).american == -200)
        #expect(price(19, 11).american == -138, "8/11 is -137.5, shown -138")
        #expect(price(13, 10).american == -333, "3/10 is -333.3.., shown -333")
        #expect(price(7, 3).american == 133, "4/3 is +133.3.., shown +133")
        #expect(price(11).american == 1000)
        #expect(price(10_001).american == 1_000_000)
    }

    static let invalidPrices: [(String, OddsError)] = [
        ("1.0", .notAboveOne),
        ("1", .notAboveOne),
        ("0.5", .notAboveOne),
        ("0/1", .notAboveOne),
        ("abc", .malformed("abc")),
        ("2.5.1", .malformed("2.5.1")),
        ("2,5", .malformed("2,5")),
        (".5", .malformed(".5")),
        ("2.", .malformed("2.")),
        ("1/2/3", .malformed("1/2/3")),
        ("a/2", .malformed("a/2")),
        ("11/-8", .malformed("11/-8")),
        ("+1.5", .malformed("+1.5")),
        ("+", .malformed("+")),
        ("+50", .americanBetweenMinus100And100(50)),
        ("-99", .americanBetweenMinus100And100(-99)),
        ("+0", .americanBetweenMinus100And100(0)),
        ("3/0", .zeroOrNegativeDenominator),
        ("1.0000001", .tooPrecise),
        ("2.1234567", .tooPrecise),
        ("1/1000001", .tooPrecise),
        ("10002", .tooLong(maximumDecimal: 10_001)),
        ("10001/1", .tooLong(maximumDecimal: 10_001)),
        ("+1000100", .tooLong(maximumDecimal: 10_001)),
        ("", .empty),
        ("   ", .empty),
    ]

    @Test("every invalid price is refused with the case that names why", arguments: invalidPrices)
    func invalidOdds(_ text: String, _ expected: OddsError) {
        #expect(throws: expected) { try Odds.parse(text) }
    }

    @Test("the bounds themselves are accepted")
    func boundsAccepted() throws {
        #expect(try Odds.parse("10001") == price(10_001))
        #expect(try Odds.parse("10000/1") == price(10_001))
        #expect(try Odds.parse("+1000000") == price(10_001))
        #expect(try Odds.parse("1.000001") == price(1_000_001, 1_000_000))
        #expect(try Odds.parse("1/1000000") == price(1_000_001, 1_000_000))
        #expect(try Odds.parse("-1000000").american == -1_000_000)
    }

    @Test("the exact initialisers reduce and refuse impossible fractions")
    func exactInitialisers() throws {
        let reduced = try Odds(decimalNumerator: 4_750, denominator: 2_000)
        #expect(reduced.numerator == 19 && reduced.denominator == 8)
        #expect(throws: OddsError.zeroOrNegativeDenominator) { try Odds(decimalNumerator: 3, denominator: 0) }
        #expect(throws: OddsError.zeroOrNegativeDenominator) { try Odds(decimalNumerator: -3, denominator: -2) }
        #expect(throws: OddsError.notAboveOne) { try Odds(decimalNumerator: 7, denominator: 7) }
        #expect(throws: OddsError.notAboveOne) { try Odds(fractionalNumerator: -1, denominator: 2) }
        #expect(throws: OddsError.tooLong(maximumDecimal: 10_001)) { try Odds(decimalNumerator: .max, denominator: 1) }
        #expect(throws: OddsError.tooLong(maximumDecimal: 10_001)) { try Odds(fractionalNumerator: .max, denominator: 1) }
        #expect(throws: OddsError.tooLong(maximumDecimal: 10_001)) { try Odds(american: .min) }
        #expect(throws: OddsError.tooPrecise) { try Odds(decimalNumerator: 2_000_001, denominator: 2_000_000) }
        // Precision is judged after reduction.
        #expect(try Odds(decimalNumerator: 2_000_002, denominator: 2_000_000) == price(1_000_001, 1_000_000))
    }

    // MARK: Display

    static let displayed: [(Odds, String)] = [
        (price(3), "3.00"), (price(5, 2), "2.50"), (price(19, 8), "2.375"), (price(17, 16), "1.0625"),
        (price(201, 200), "1.005"), (price(33, 32), "1.03"), (price(5, 3), "1.67"), (price(4, 3), "1.33"),
        (price(7, 6), "1.17"), (price(199_999, 100_000), "2.00"), (price(1_000_001, 1_000_000), "1.00"),
        (price(10_001), "10001.00"), (price(100_001, 100_000), "1.00"), (price(200_009, 200_000), "1.00"),
        (price(2_999_999, 1_000_000), "3.00"), (price(1_249_999, 1_000_000), "1.25"),
    ]

    @Test("decimal display: exact up to four places, otherwise two places half away from zero", arguments: displayed)
    func decimalDisplay(_ odds: Odds, _ expected: String) {
        #expect(odds.decimalString == expected)
        #expect(odds.description == expected)
    }

    @Test("decimal display agrees with long division for any price")
    func decimalDisplayProperty() async {
        await propertyCheck(count: 1000, input: anyOdds) { odds in
            #expect(odds.decimalString == referenceDecimalString(odds), "\(odds.numerator)/\(odds.denominator)")
        }
    }

    // MARK: Exact round trips

    @Test("fractional -> Odds -> fractional is exact (reduced)")
    func fractionalRoundTrip() async {
        await propertyCheck(count: 1000, input: Gen.int64(in: 1...1_000_000), Gen.int64(in: 1...1_000_000)) { top, bottom throws in
            guard top <= 10_000 * bottom else {
                #expect(throws: OddsError.tooLong(maximumDecimal: 10_001)) { try Odds(fractionalNumerator: top, denominator: bottom) }
                return
            }
            let divisor = Int64(referenceGCD(Int128(top), Int128(bottom)))
            let odds = try Odds(fractionalNumerator: top, denominator: bottom)
            #expect(odds.fractional == (top / divisor, bottom / divisor))
            let parsed = try Odds.parse("\(top)/\(bottom)")
            #expect(parsed == odds)
            #expect(try Odds.parse(odds.fractionalString) == odds)
            // The decimal form is exactly one more.
            #expect(Int128(odds.numerator) * Int128(bottom) == Int128(top + bottom) * Int128(odds.denominator))
        }
    }

    @Test("American integer -> Odds -> American gives the same integer (-100 reads back as +100)")
    func americanRoundTrip() async {
        await propertyCheck(count: 1000, input: Gen.int64(in: 100...1_000_000), Gen.bool) { magnitude, negative throws in
            let value = negative ? -magnitude : magnitude
            let odds = try Odds(american: value)
            #expect(odds.american == (value == -100 ? 100 : value))
            #expect(try Odds.parse(negative ? "-\(magnitude)" : "+\(magnitude)") == odds)
            #expect(try Odds.parse(odds.americanString) == odds)
        }
    }

    @Test("decimal text -> Odds is the exact value of the digits")
    func decimalParseIsExact() async {
        await propertyCheck(count: 1000, input: Gen.int64(in: 1...10_000), Gen.int64(in: 0...999_999), Gen.int(in: 0...6)) { whole, fraction, places throws in
            var scale: Int64 = 1
            for _ in 0..<places { scale *= 10 }
            let digits = fraction % scale
            let digitText = String(digits)
            let text = places == 0 ? "\(whole)" : "\(whole).\(String(repeating: "0", count: places - digitText.count))\(digitText)"
            let exactNumerator = whole * scale + digits
            guard exactNumerator > scale else {
                #expect(throws: OddsError.notAboveOne) { try Odds.parse(text) }
                return
            }
            let odds = try Odds.parse(text)
            #expect(Int128(odds.numerator) * Int128(scale) == Int128(exactNumerator) * Int128(odds.denominator), "\(text)")
            #expect(referenceGCD(Int128(odds.numerator), Int128(odds.denominator)) == 1, "reduced")
        }
    }

    // MARK: Ordering

    @Test("ordering is the order of the exact values (cross-multiplication)")
    func orderingMatchesCrossMultiplication() async {
        await propertyCheck(count: 1000, input: anyOdds, anyOdds, anyOdds) { a, b, c in
            let crossLess = Int128(a.numerator) * Int128(b.denominator) < Int128(b.numerator) * Int128(a.denominator)
            let crossEqual = Int128(a.numerator) * Int128(b.denominator) == Int128(b.numerator) * Int128(a.denominator)
            #expect((a < b) == crossLess)
            #expect((a == b) == crossEqual)
            #expect([a < b, a == b, b < a].filter { $0 }.count == 1, "exactly one of <, ==, >")
            if a < b && b < c { #expect(a < c) }
            let sorted = [a, b, c].sorted()
            for (x, y) in zip(sorted, sorted.dropFirst()) {
                #expect(Int128(x.numerator) * Int128(y.denominator) <= Int128(y.numerator) * Int128(x.denominator))
            }
        }
    }

    @Test("prices written differently compare by value")
    func orderingExamples() throws {
        #expect(try Odds.parse("11/8") > Odds.parse("2.37"))
        #expect(try Odds.parse("11/8") < Odds.parse("2.38"))
        #expect(try Odds.parse("-150") < Odds.parse("evens"))
        #expect(try Odds.parse("+100") == Odds.parse("-100"))
        #expect(try Odds.parse("100/30") == Odds.parse("10/3"))
        #expect(price(10_001) > price(10_000_999_999, 1_000_000))
    }

    // MARK: Encoding

    @Test("odds encode as the exact fraction and decoding re-validates")
    func codable() throws {
        let data = try JSONEncoder().encode(price(19, 8))
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Int])
        #expect(object == ["n": 19, "d": 8])
        #expect(try JSONDecoder().decode(Odds.self, from: data) == price(19, 8))
        #expect(try JSONDecoder().decode(Odds.self, from: Data(#"{"n": 4, "d": 2}"#.utf8)) == .evens)
        for bad in [#"{"n": 1, "d": 1}"#, #"{"n": 3, "d": 0}"#, #"{"n": 20003, "d": 2}"#, #"{"n": 3}"#] {
            #expect(throws: DecodingError.self, "\(bad)") { try JSONDecoder().decode(Odds.self, from: Data(bad.utf8)) }
        }
    }
}
