enum StrataVersion {
    static let string = "0.1.0"
}
