/// Anything that reports power: the simulated file, a NUT server, GPIO lines.
public protocol PowerSource: Sendable {
    /// "simulated", "nut", "gpio": shown in the appliance state.
    var kind: String { get }
    /// Every change in what the source reports, starting with its first reading; ends when the
    /// consuming task is cancelled.
    func events() -> AsyncStream<PowerSourceEvent>
    /// Tells the UPS to cut power once the computer has halted, where the hardware has a way to
    /// be told (a HAT's shutdown-request line); called just before the shutdown command. False
    /// when there is nothing to tell or it could not be told.
    func requestPowerOff() async -> Bool
}

extension PowerSource {
    public func requestPowerOff() async -> Bool { false }
}
