import CGPIOD
import NIOConcurrencyHelpers

/// The shutdown-request output, shared between the watcher thread (which requests and releases the
/// line) and whoever asks for the power-off pulse. The lock makes sure the pulse never touches a
/// line the watcher has released.
final class GPIOOutputLatch: Sendable {
    private struct Attached: @unchecked Sendable {
        // A libgpiod line handle; only used under the lock.
        var handle: OpaquePointer
        var pulse: Duration
    }

    private let attached = NIOLockedValueBox<Attached?>(nil)

    func attach(_ handle: OpaquePointer, pulse: Duration) {
        attached.withLockedValue { $0 = Attached(handle: handle, pulse: pulse) }
    }

    func detach() {
        attached.withLockedValue { $0 = nil }
    }

    /// Holds the line active for its pulse, then releases it. False when no shutdown-request line
    /// is configured or held (the chip is gone), or the line could not be driven.
    func pulse() async -> Bool {
        guard let width = attached.withLockedValue({ $0?.pulse }) else { return false }
        guard drive(1) else { return false }
        do { try await Task.sleep(for: width) } catch {
            // Cut short (the daemon is stopping): the HAT did not get the pulse it needs.
            _ = drive(0)
            return false
        }
        return drive(0)
    }

    private func drive(_ value: Int32) -> Bool {
        attached.withLockedValue { line in
            guard let line else { return false }
            return gpiod_line_set_value(line.handle, value) == 0
        }
    }
}
