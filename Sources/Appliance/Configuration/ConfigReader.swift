import Wagering
import Yams

/// Reads one YAML mapping of the configuration file, remembering which keys were read so that
/// ``finish()`` can refuse any it did not know (a misspelt limit must not silently fall back to
/// its default). Every error names the key's full path and its line.
///
/// Written over Yams' node tree rather than `Codable` because the errors must point at the line
/// a technician has to fix, and unknown keys must be refused.
struct ConfigReader {
    let path: String
    private let mapping: Node.Mapping?
    private let line: Int?
    private var read: Set<String> = []

    init(node: Node?, path: String) throws(ConfigurationError) {
        self.path = path
        self.line = node?.mark.map { $0.line }
        switch node {
        case nil:
            self.mapping = nil
        case .scalar(let scalar)? where ["", "~", "null"].contains(scalar.string):
            self.mapping = nil
        case .mapping(let mapping)?:
            self.mapping = mapping
        default:
            throw ConfigurationError(key: path.isEmpty ? "(top level)" : path, line: line, problem: "must be a mapping of keys to values")
        }
    }

    /// The node tree of a configuration file, every scalar left a string for the reader to
    /// convert and check. Yams' default resolver would tag each scalar bool, int, float, null or
    /// timestamp with `NSRegularExpression`, which brings ICU's regular expressions into every
    /// start-up (holdfastd's resident memory after reading its configuration:
    /// docs/benchmarks-history.md, "Memory"), for tags this reader never looks at.
    static func compose(yaml text: String) throws -> Node? {
        try Yams.compose(yaml: text, Resolver.basic)
    }

    private func fullKey(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    private mutating func node(_ key: String) -> Node? {
        read.insert(key)
        return mapping?[key]
    }

    private func error(_ key: String, _ node: Node?, _ problem: String) -> ConfigurationError {
        ConfigurationError(key: fullKey(key), line: node?.mark?.line ?? line, problem: problem)
    }

    mutating func section(_ key: String) throws(ConfigurationError) -> ConfigReader {
        try ConfigReader(node: node(key), path: fullKey(key))
    }

    mutating func string(_ key: String, default fallback: String? = nil) throws(ConfigurationError) -> String {
        guard let value = node(key) else {
            if let fallback { return fallback }
            throw error(key, nil, "is required")
        }
        guard case .scalar(let scalar) = value else { throw error(key, value, "must be a single value, not a list or mapping") }
        return scalar.string
    }

    mutating func optionalString(_ key: String) throws(ConfigurationError) -> String? {
        guard mapping?[key] != nil else { read.insert(key); return nil }
        return try string(key)
    }

    mutating func integer(_ key: String, default fallback: Int? = nil, in range: ClosedRange<Int>) throws(ConfigurationError) -> Int {
        let value = node(key)
        let text: String
        do { text = try string(key, default: fallback.map(String.init)) } catch { throw error }
        guard let number = Int(text) else { throw error(key, value, "'\(text)' is not a whole number") }
        guard range.contains(number) else {
            throw error(key, value, "\(number) is out of range: it must be from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }

    mutating func optionalInteger(_ key: String, in range: ClosedRange<Int>) throws(ConfigurationError) -> Int? {
        guard mapping?[key] != nil else { read.insert(key); return nil }
        return try integer(key, in: range)
    }

    mutating func boolean(_ key: String, default fallback: Bool) throws(ConfigurationError) -> Bool {
        let value = node(key)
        guard value != nil else { return fallback }
        switch try string(key).lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        case let other: throw error(key, value, "'\(other)' is not true or false")
        }
    }

    /// An amount such as "12.50" in `currency`, exact (never rounded), positive; zero too where
    /// `zeroAllowed` (a setting that zero turns off).
    mutating func amount(_ key: String, currency: Currency, default fallback: String? = nil,
                         zeroAllowed: Bool = false) throws(ConfigurationError) -> Int64 {
        let value = node(key)
        let text = try string(key, default: fallback)
        do {
            let money = try Money.parse(text, currency: currency)
            // Money.parse refuses a sign, so only zero needs the caller's word.
            guard money.minorUnits > 0 || zeroAllowed else { throw error(key, value, "must be more than zero") }
            return money.minorUnits
        } catch let moneyError as MoneyError {
            throw error(key, value, moneyError.description)
        } catch let configurationError as ConfigurationError {
            throw configurationError
        } catch {
            throw self.error(key, value, "\(error)")
        }
    }

    mutating func optionalAmount(_ key: String, currency: Currency) throws(ConfigurationError) -> Int64? {
        guard mapping?[key] != nil else { read.insert(key); return nil }
        return try amount(key, currency: currency)
    }

    /// One of `choices`, named in the error when the value is something else.
    mutating func choice<Choice: RawRepresentable & CaseIterable>(_ key: String, default fallback: Choice? = nil) throws(ConfigurationError) -> Choice
    where Choice.RawValue == String {
        let value = node(key)
        let text = try string(key, default: fallback?.rawValue)
        guard let chosen = Choice(rawValue: text) else {
            throw error(key, value, "'\(text)' is not one of \(Choice.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return chosen
    }

    /// The items of a list of mappings, each read by `body`.
    mutating func list<Item>(_ key: String, _ body: (inout ConfigReader) throws(ConfigurationError) -> Item) throws(ConfigurationError) -> [Item] {
        guard let value = node(key) else { return [] }
        guard case .sequence(let sequence) = value else { throw error(key, value, "must be a list") }
        var items: [Item] = []
        for (index, element) in sequence.enumerated() {
            var reader = try ConfigReader(node: element, path: "\(fullKey(key))[\(index)]")
            items.append(try body(&reader))
            try reader.finish()
        }
        return items
    }

    /// Refuses keys nobody read: they are typos or settings this version does not have.
    func finish() throws(ConfigurationError) {
        guard let mapping else { return }
        for (keyNode, _) in mapping {
            let key = keyNode.string ?? "?"
            if !read.contains(key) {
                throw error(key, keyNode, "is not a known setting here (known: \(read.sorted().joined(separator: ", ")))")
            }
        }
    }
}

/// A configuration file that cannot be used, naming the key, its line and what is wrong.
public struct ConfigurationError: Error, Hashable, Sendable, CustomStringConvertible {
    public var key: String
    public var line: Int?
    public var problem: String

    public init(key: String, line: Int?, problem: String) {
        self.key = key
        self.line = line
        self.problem = problem
    }

    public var description: String {
        let at = line.map { " (line \($0))" } ?? ""
        return "configuration: \(key)\(at) \(problem)"
    }
}
