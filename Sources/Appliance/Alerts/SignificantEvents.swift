public import Journal
public import Logging

extension ApplianceService {
    /// A significant event: logged, journaled (so central and the console see it), and, for the
    /// categories in ``AlertSettings/alertCategories``, handed to the alert hook. Never throws:
    /// an event that cannot be journaled is logged as an error instead, and an alert still
    /// reaches the hook.
    public func recordEvent(_ category: String, _ message: String, level: Logger.Level = .notice) async {
        logger.log(level: level, "\(category): \(message)")
        do { try await journalEvent(category, message) } catch {
            logger.error("event not journaled", metadata: ["category": "\(category)", "error": "\(error)"])
            raiseIfAlert(category, Self.eventText(message))
        }
    }

    /// ``recordEvent(_:_:level:)`` for a caller that must not lose the event: a failed write is
    /// thrown (and the hook not told), so the caller can try again, as the feed does by reading
    /// its item again.
    func journalEvent(_ category: String, _ message: String) async throws(JournalError) {
        let text = Self.eventText(message)
        _ = try await journal.apply(.record(category: category, message: text))
        raiseIfAlert(category, text)
    }

    private func raiseIfAlert(_ category: String, _ text: String) {
        if AlertSettings.alertCategories.contains(category) { alertHook.raise(category, text) }
    }

    private static func eventText(_ message: String) -> String { String(message.prefix(300)) }
}
