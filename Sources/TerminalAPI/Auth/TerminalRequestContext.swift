public import Appliance
public import Hummingbird

/// Per-request state: the terminal the signature proved, once the authenticator has run.
public struct TerminalRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var terminal: TerminalCredential?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        terminal = nil
    }

    /// Routes behind the authenticator call this; it never fails there.
    func authenticated() throws -> TerminalCredential {
        guard let terminal else { throw HTTPError(.unauthorized) }
        return terminal
    }
}
