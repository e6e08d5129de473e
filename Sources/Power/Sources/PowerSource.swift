/// Anything that reports power: the simulated file, a NUT server, GPIO lines.
public protocol PowerSource: Sendable {
    /// "simulated", "nut", "gpio": shown in the appliance state.
    var kind: String { get }
    /// Every change in what the source reports, starting with its first reading; ends when the
    /// consuming task is cancelled.
    func events() -> AsyncStream<PowerSourceEvent>
}
