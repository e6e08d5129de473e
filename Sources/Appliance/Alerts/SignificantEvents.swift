public import Logging

extension ApplianceService {
    /// A significant event: logged, journaled (so central and the console see it), and, for the
    /// categories in ``AlertSettings/alertCategories``, handed to the alert hook. Never throws:
    /// an event that cannot be journaled is logged as an error instead.
    public func recordEvent(_ category: String, _ message: String, level: Logger.Level = .notice) async {
        logger.log(level: level, "\(category): \(message)")
        let text = String(message.prefix(300))
        do { _ = try await journal.apply(.record(category: category, message: text)) } catch {
            logger.error("event not journaled", metadata: ["category": "\(category)", "error": "\(error)"])
        }
        if AlertSettings.alertCategories.contains(category) { alertHook.raise(category, text) }
    }
}
