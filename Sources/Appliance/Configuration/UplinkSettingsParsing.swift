import Foundation
import SyncProtocol
import Uplink

extension UplinkSettings {
    /// A bound longer than a minute is a past-posting window no venue should run with.
    static let maxFreshnessSeconds = 60

    /// The `uplink:` section; nil when it names no endpoints (an appliance without central,
    /// always offline, e.g. the demo).
    static func parse(_ reader: inout ConfigReader, relativeTo directory: String) throws(ConfigurationError) -> UplinkSettings? {
        let endpoints = try reader.list("endpoints") { (item: inout ConfigReader) throws(ConfigurationError) -> URL in
            let text = try item.string("url")
            guard let url = URL(string: text), url.scheme == "https", url.host != nil, url.path.isEmpty || url.path == "/" else {
                throw ConfigurationError(key: "\(item.path).url", line: nil,
                                         problem: "'\(text)' must be an https://host:port URL of a central endpoint, without a path")
            }
            return url
        }
        func file(_ key: String, _ reader: inout ConfigReader) throws(ConfigurationError) -> String {
            let path = ApplianceConfiguration.resolve(try reader.string(key), against: directory)
            guard FileManager.default.isReadableFile(atPath: path) else {
                throw ConfigurationError(key: "uplink.\(key)", line: nil, problem: "'\(path)' cannot be read (scripts/central-pki makes one)")
            }
            return path
        }
        guard !endpoints.isEmpty else {
            for key in ["certificate", "key", "central_ca", "batch_size", "request_timeout_ms", "retry_initial_ms", "retry_max_seconds",
                        "freshness_seconds", "failback_seconds", "idle_check_seconds"] {
                if try reader.optionalString(key) != nil {
                    throw ConfigurationError(key: "uplink.\(key)", line: nil, problem: "is set but uplink.endpoints lists no central endpoint")
                }
            }
            return nil
        }
        let retryInitial = try reader.integer("retry_initial_ms", default: 200, in: 10...60_000)
        let retryMax = try reader.integer("retry_max_seconds", default: 30, in: 1...3_600)
        guard retryMax * 1_000 >= retryInitial else {
            throw ConfigurationError(key: "uplink.retry_max_seconds", line: nil, problem: "must be at least uplink.retry_initial_ms")
        }
        if try reader.optionalString("offline_grace_seconds") != nil {
            throw ConfigurationError(key: "uplink.offline_grace_seconds", line: nil, problem: """
                is gone: there is no grace period with online limits any more. Use freshness_seconds \
                (default \(UplinkSettings.defaultFreshness.components.seconds), at most \(Self.maxFreshnessSeconds)): how old central's \
                last answer may be for a bet to count as online (docs/adr/0013-online-means-fresh.md)
                """)
        }
        let freshness = try reader.integer("freshness_seconds", default: Int(UplinkSettings.defaultFreshness.components.seconds),
                                           in: 2...Self.maxFreshnessSeconds)
        let defaultIdleCheck = Int(UplinkSettings.heartbeat(within: .seconds(freshness)).components.seconds)
        let idleCheck = try reader.integer("idle_check_seconds", default: defaultIdleCheck, in: 1...3_600)
        guard idleCheck < freshness else {
            throw ConfigurationError(key: "uplink.idle_check_seconds", line: nil,
                                     problem: "\(idleCheck) must be below uplink.freshness_seconds (\(freshness)), or an idle link would count as offline")
        }
        return UplinkSettings(
            endpoints: endpoints,
            certificateFile: try file("certificate", &reader),
            keyFile: try file("key", &reader),
            centralCAFile: try file("central_ca", &reader),
            batchSize: try reader.integer("batch_size", default: 500, in: 1...PushBatch.maxRecords),
            requestTimeout: .milliseconds(try reader.integer("request_timeout_ms", default: 5_000, in: 100...120_000)),
            retryInitial: .milliseconds(retryInitial),
            retryMax: .seconds(retryMax),
            freshness: .seconds(freshness),
            failbackInterval: .seconds(try reader.integer("failback_seconds", default: 60, in: 1...86_400)),
            idleCheckInterval: .seconds(idleCheck))
    }
}
