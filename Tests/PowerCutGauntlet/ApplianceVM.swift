import Appliance
import Foundation
import Glibc
import Randomness
import TestSupport

/// holdfastd inside the gpio-vm qemu VM (scripts/gpio-vm/run), its data on an ext4 image that
/// outlives every boot, its API forwarded to 127.0.0.1 on the host. ``cutPower()`` SIGKILLs qemu:
/// whatever the guest had not flushed to the image is gone, as when a venue's power fails.
final class ApplianceVM {
    let workDirectory: String
    let port: Int
    private let repository: String
    private let daemon: String
    private var process: Process?
    private(set) var boots = 0

    var disk: String { workDirectory + "/disk.img" }
    var configuration: String { workDirectory + "/holdfast.yaml" }
    private var initrd: String { workDirectory + "/initrd.cpio" }
    private var pidFile: String { workDirectory + "/qemu.pid" }
    private let extraFiles: [String]
    /// The technician's serial cable: the guest's ttyS1, served by qemu on this socket.
    var consoleSocket: String { workDirectory + "/ttyS1.sock" }
    static let technician = (name: "tech", pin: "2468")
    /// The appliance's code: its configuration, its certificate at central, its console prompt.
    static let applianceCode = "PWR1"
    var consoleLog: String { workDirectory + "/vm-\(boots).log" }

    /// Makes the disk (a fresh ext4 file system) and the configuration the VM boots with.
    /// `nutPort`: the host's upsd (qemu's user network shows the host's loopback at 10.0.2.2).
    /// `uplink`: the configuration's uplink section; `extraFiles` go into the VM at their paths.
    init(workDirectory: String, repository: String, daemon: String, terminalSecretHex: String, nutPort: Int,
         uplink: String, extraFiles: [String]) throws {
        self.workDirectory = workDirectory
        self.repository = repository
        self.daemon = daemon
        self.extraFiles = extraFiles
        var random = SystemRandom()
        let pinHash = try PINHash.make(pin: Self.technician.pin, log2Cost: 14, using: &random)
        port = try LoopbackPort.free()
        guard FileManager.default.createFile(atPath: workDirectory + "/disk.img", contents: nil),
              truncate(workDirectory + "/disk.img", 256 * 1_048_576) == 0 else {
            throw ChildProcessError("cannot make the disk image in \(workDirectory)")
        }
        try Command.run("/usr/sbin/mkfs.ext4", ["-q", "-F", workDirectory + "/disk.img"])
        let board = repository + "/firmware-config/demo/board.json"
        try """
            # The power-cut gauntlet's appliance (Tests/PowerCutGauntlet): data on the VM's disk.
            appliance: { code: \(Self.applianceCode), currency: GBP, data_dir: /data/holdfast, log_level: notice }
            api: { listen_host: 0.0.0.0, listen_port: 8080 }
            journal: {}
            limits:
              min_stake_per_line: "0.10"
              max_stake_per_bet: "500.00"
              max_payout_per_bet: "25000.00"
              max_liability_per_selection: "100000000.00"
              max_liability_per_market: "100000000.00"
              terminal_max_stake_per_bet: "200.00"
              terminal_max_open_stake: "100000000.00"
            terminals:
              - { id: cut-kiosk, role: staff, secret: \(terminalSecretHex) }
            # The UPS is a real upsd on the host; low battery starts the staged shutdown, whose
            # final command only says so (power goes when qemu is killed).
            power: { source: nut, nut_host: 10.0.2.2, nut_port: \(nutPort), nut_ups: dummy, nut_username: monitor,
                     nut_password: monpass, nut_poll_milliseconds: 250, final_delay_seconds: 2, on_battery_alert_seconds: 1,
                     shutdown_command: /bin/true }
            # Backups go to the same disk here (a venue's go to a USB stick): cut in the middle of
            # one, the live journal must not care and the half-written copy must never pass for one.
            # The image is 256 MiB: the default low-disk alert (256 MiB free) would be raised at once.
            alerts: { disk_free_minimum_mib: 32 }
            backup: { directory: /data/backups, every_hours: 0, keep: 3 }
            console:
              device: /dev/ttyS1
              technicians: [{ name: \(Self.technician.name), pin_hash: "\(pinHash)" }]
            demo: { board_file: \(board) }
            \(uplink)
            """.write(toFile: workDirectory + "/holdfast.yaml", atomically: true, encoding: .utf8)
    }

    /// Boots the VM; answers once the API is up, or throws with the console's last lines.
    func boot(within bound: Duration, isUp: () async -> Bool) async throws {
        boots += 1
        let process = Process()
        process.executableURL = URL(fileURLWithPath: repository + "/scripts/gpio-vm/run")
        // The initramfs (holdfastd, its libraries, the configuration) is packed on the first boot
        // and reused after: only the disk changes from boot to boot.
        process.arguments = ["--strip", "--timeout", "3600", "--disk", disk, "--forward", "\(port):8080", "--pidfile", pidFile,
                             "--serial2", consoleSocket, "--initrd", initrd, "--add", configuration,
                             "--add", repository + "/firmware-config/demo/board.json"] + extraFiles.flatMap { ["--add", $0] }
            + [daemon, "--config", configuration]
        guard FileManager.default.createFile(atPath: consoleLog, contents: nil) else { throw ChildProcessError("cannot write \(consoleLog)") }
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: consoleLog))
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.run()
        self.process = process
        let started = ContinuousClock.now
        while ContinuousClock.now - started < bound {
            if await isUp() { return }
            guard process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(250))
        }
        cutPower()
        throw ChildProcessError("boot \(boots): the API did not come up within \(bound); the console's last lines:\n\(consoleTail())")
    }

    /// SIGKILL to qemu: the power cut. Waits for the VM runner to notice.
    func cutPower() {
        if let text = try? String(contentsOfFile: pidFile, encoding: .utf8), let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
            kill(pid, SIGKILL)
        }
        process?.waitUntilExit()
        process = nil
        try? FileManager.default.removeItem(atPath: pidFile)
    }

    func consoleTail(lines: Int = 15) -> String {
        let text = (try? String(contentsOfFile: consoleLog, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").suffix(lines).joined(separator: "\n")
    }
}
