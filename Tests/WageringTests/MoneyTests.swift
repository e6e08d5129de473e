import Foundation
import PropertyBased
import Testing
@testable import Wagering

@Suite("Money and currencies")
struct MoneyTests {
    // MARK: Parsing and printing

    @Test("parses whole, one-digit and two-digit amounts exactly")
    func parsesExactAmounts() throws {
        #expect(try Money.parse("12.34", currency: .gbp) == gbp(1234))
        #expect(try Money.parse("12.3", currency: .gbp) == gbp(1230))
        #expect(try Money.parse("12", currency: .gbp) == gbp(1200))
        #expect(try Money.parse("0.05", currency: .gbp) == gbp(5))
        #expect(try Money.parse("0", currency: .gbp) == gbp(0))
        #expect(try Money.parse("007.10", currency: .gbp) == gbp(710))
        #expect(try Money.parse("  4.50\n", currency: .gbp) == gbp(450))
        #expect(try Money.parse("1500", currency: .jpy) == Money(minorUnits: 1500, currency: .jpy))
        #expect(try Money.parse("1.005", currency: .kwd) == Money(minorUnits: 1005, currency: .kwd))
        #expect(try Money.parse("1.5", currency: .kwd) == Money(minorUnits: 1500, currency: .kwd))
    }

    @Test("prints every minor digit, with the sign and the currency code")
    func printsEveryMinorDigit() {
        #expect(gbp(1234).description == "12.34 GBP")
        #expect(gbp(5).amountString == "0.05")
        #expect(gbp(-5).amountString == "-0.05")
        #expect(gbp(-1234).description == "-12.34 GBP")
        #expect(gbp(100).amountString == "1.00")
        #expect(gbp(0).amountString == "0.00")
        #expect(Money(minorUnits: 1500, currency: .jpy).description == "1500 JPY")
        #expect(Money(minorUnits: -7, currency: .jpy).amountString == "-7")
        #expect(Money(minorUnits: 1005, currency: .kwd).amountString == "1.005")
        #expect(Money(minorUnits: 1, currency: .kwd).amountString == "0.001")
        #expect(gbp(.max).amountString == "92233720368547758.07")
        #expect(gbp(.min).amountString == "-92233720368547758.08")
    }

    @Test("refuses more fraction digits than the currency has, naming the allowance")
    func refusesTooManyFractionDigits() {
        #expect(throws: MoneyError.tooManyFractionDigits("12.345", allowed: 2)) { try Money.parse("12.345", currency: .gbp) }
        #expect(throws: MoneyError.tooManyFractionDigits("1.5", allowed: 0)) { try Money.parse("1.5", currency: .jpy) }
        #expect(throws: MoneyError.tooManyFractionDigits("1.0001", allowed: 3)) { try Money.parse("1.0001", currency: .kwd) }
        // Even trailing zeros: a stake is never silently reinterpreted.
        #expect(throws: MoneyError.tooManyFractionDigits("1.000", allowed: 2)) { try Money.parse("1.000", currency: .gbp) }
    }

    @Test("refuses anything that is not plain digits with an optional point",
          arguments: ["", " ", ".5", "5.", "-1", "+1", "1e3", "1,000", "1.2.3", "abc", "1 000", "0x10", "١٢", "1.-5", "€5"])
    func refusesMalformedAmounts(_ text: String) {
        #expect(throws: MoneyError.malformedAmount(text)) { try Money.parse(text, currency: .gbp) }
    }

    @Test("parsing detects amounts beyond Int64 minor units")
    func parseDetectsOverflow() throws {
        #expect(try Money.parse("92233720368547758.07", currency: .gbp) == gbp(.max))
        #expect(throws: MoneyError.overflow(operation: "parse 92233720368547758.08")) {
            try Money.parse("92233720368547758.08", currency: .gbp)
        }
        #expect(throws: MoneyError.overflow(operation: "parse 92233720368547759")) {
            try Money.parse("92233720368547759", currency: .gbp)
        }
        #expect(throws: MoneyError.overflow(operation: "parse 99999999999999999999")) {
            try Money.parse("99999999999999999999", currency: .jpy)
        }
        #expect(try Money.parse("9223372036854775807", currency: .jpy) == Money(minorUnits: .max, currency: .jpy))
    }

    @Test("printing then parsing gives back every non-negative amount in every currency")
    func printParseRoundTrip() async {
        let currencies = Array(Currency.known.values).sorted { $0.code < $1.code }
        await propertyCheck(count: 500, input: Gen.int64(in: 0...Int64.max), Gen.int(in: 0...(currencies.count - 1))) { units, index throws in
            let money = Money(minorUnits: units, currency: currencies[index])
            #expect(try Money.parse(money.amountString, currency: money.currency) == money)
            #expect(money.description == "\(money.amountString) \(money.currency.code)")
        }
    }

    @Test("parsing then printing normalises to exactly the currency's digits")
    func parsePrintNormalises() async {
        await propertyCheck(count: 300, input: Gen.int(in: 0...999_999), Gen.int(in: 0...99), Gen.bool) { whole, cents, oneDigit throws in
            let text = oneDigit ? "\(whole).\(cents % 10)" : "\(whole).\(cents < 10 ? "0" : "")\(cents)"
            let expectedUnits = Int64(whole) * 100 + Int64(oneDigit ? (cents % 10) * 10 : cents)
            let money = try Money.parse(text, currency: .gbp)
            #expect(money.minorUnits == expectedUnits)
            let padded = cents < 10 ? "0\(cents)" : "\(cents)"
            #expect(money.amountString == (oneDigit ? "\(whole).\(cents % 10)0" : "\(whole).\(padded)"))
        }
    }

    // MARK: Arithmetic

    @Test("adds, subtracts and multiplies exactly")
    func arithmetic() throws {
        #expect(try gbp(250).adding(gbp(175)) == gbp(425))
        #expect(try gbp(250).subtracting(gbp(300)) == gbp(-50))
        #expect(try gbp(250).multiplied(by: 11) == gbp(2750))
        #expect(try gbp(250).multiplied(by: -2) == gbp(-500))
        #expect(try gbp(.max).adding(gbp(0)) == gbp(.max))
        #expect(try gbp(.max).subtracting(gbp(.max)) == gbp(0))
        #expect(try gbp(.min).adding(gbp(.max)) == gbp(-1))
    }

    @Test("overflow in add, subtract and multiply is an error, never a wrapped amount")
    func overflowIsDetected() throws {
        #expect(throws: MoneyError.self) { try gbp(.max).adding(gbp(1)) }
        #expect(throws: MoneyError.self) { try gbp(.min).adding(gbp(-1)) }
        #expect(throws: MoneyError.self) { try gbp(.min).subtracting(gbp(1)) }
        #expect(throws: MoneyError.self) { try gbp(0).subtracting(gbp(.min)) }
        #expect(throws: MoneyError.self) { try gbp(.max).multiplied(by: 2) }
        #expect(throws: MoneyError.self) { try gbp(.min).multiplied(by: -1) }
        #expect(throws: MoneyError.self) { try gbp(4_611_686_018_427_387_904).multiplied(by: 2) }
        #expect(try gbp(4_611_686_018_427_387_903).multiplied(by: 2) == gbp(9_223_372_036_854_775_806))
        do {
            _ = try gbp(.max).adding(gbp(1))
        } catch {
            guard case .overflow(let operation) = error else {
                Issue.record("expected overflow, got \(error)")
                return
            }
            #expect(operation.contains("92233720368547758.07 GBP"), "the error names the operands: \(operation)")
        }
    }

    @Test("add, subtract and multiply agree with 128-bit arithmetic, throwing exactly when out of range")
    func arithmeticMatchesWideIntegers() async {
        let anyInt64 = Gen.int64(in: Int64.min...Int64.max)
        await propertyCheck(count: 1000, input: anyInt64, anyInt64) { a, b in
            let range = Int128(Int64.min)...Int128(Int64.max)
            func check(_ exact: Int128, _ body: () throws(MoneyError) -> Money) {
                do {
                    let result = try body()
                    #expect(range.contains(exact))
                    #expect(Int128(result.minorUnits) == exact)
                } catch {
                    #expect(!range.contains(exact), "threw \(error) for an in-range result \(exact)")
                    guard case .overflow = error else {
                        Issue.record("expected overflow, got \(error)")
                        return
                    }
                }
            }
            check(Int128(a) + Int128(b)) { () throws(MoneyError) -> Money in try gbp(a).adding(gbp(b)) }
            check(Int128(a) - Int128(b)) { () throws(MoneyError) -> Money in try gbp(a).subtracting(gbp(b)) }
            // Scale b down sometimes so that in-range products are exercised too.
            let factor = b % 1_000_003
            check(Int128(a) * Int128(factor)) { () throws(MoneyError) -> Money in try gbp(a).multiplied(by: factor) }
            check(Int128(a >> 20) * Int128(factor)) { () throws(MoneyError) -> Money in try gbp(a >> 20).multiplied(by: factor) }
        }
    }

    @Test("mixing currencies is refused, naming both")
    func currencyMismatch() {
        let pounds = gbp(100)
        let euros = Money(minorUnits: 100, currency: .eur)
        #expect(throws: MoneyError.currencyMismatch(.gbp, .eur)) { try pounds.adding(euros) }
        #expect(throws: MoneyError.currencyMismatch(.eur, .gbp)) { try euros.subtracting(pounds) }
        // A mismatch is reported even when the sum would also overflow.
        #expect(throws: MoneyError.currencyMismatch(.gbp, .jpy)) {
            try gbp(.max).adding(Money(minorUnits: .max, currency: .jpy))
        }
    }

    // MARK: Currencies

    @Test("looks currencies up case-insensitively and refuses unknown codes")
    func currencyLookup() throws {
        #expect(try Currency(code: "gbp") == .gbp)
        #expect(try Currency(code: "JPY").minorUnitDigits == 0)
        #expect(try Currency(code: "KWD").minorUnitDigits == 3)
        #expect(try Currency(code: "EUR").minorUnitsPerMajor == 100)
        #expect(Currency.kwd.minorUnitsPerMajor == 1000)
        #expect(Currency.jpy.minorUnitsPerMajor == 1)
        #expect(throws: MoneyError.unknownCurrency("XXX")) { try Currency(code: "XXX") }
        #expect(throws: MoneyError.unknownCurrency("")) { try Currency(code: "") }
    }

    @Test("money round-trips through JSON and unknown currencies are refused when decoding")
    func jsonRoundTrip() throws {
        let money = Money(minorUnits: 1005, currency: .kwd)
        let data = try JSONEncoder().encode(money)
        #expect(try JSONDecoder().decode(Money.self, from: data) == money)
        let bad = Data(#"{"minorUnits": 5, "currency": "ZZZ"}"#.utf8)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(Money.self, from: bad) }
        #expect(try JSONDecoder().decode(Currency.self, from: Data(#""usd""#.utf8)) == .usd)
    }
}
