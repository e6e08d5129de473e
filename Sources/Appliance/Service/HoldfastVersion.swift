/// The software version, shown by `--version`, the console's `status` and the self-test.
public enum HoldfastVersion {
    public static let current = "0.3.0-dev"
}
