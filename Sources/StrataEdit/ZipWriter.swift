// A minimal zip archive writer: stored (uncompressed) entries in the order given, as
// OpenRaster requires (its `mimetype` entry first and stored). PNG layers are already
// compressed, so storing costs little.

struct ZipWriter {
    private var data: [UInt8] = []
    private var central: [UInt8] = []
    private var count = 0

    static let crcTable: [UInt32] = (0..<256).map { n -> UInt32 in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in bytes { c = crcTable[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
        return c ^ 0xFFFF_FFFF
    }

    private static func le16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF)] }
    private static func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8((v >> (8 * $0)) & 0xFF) } }

    mutating func add(_ name: String, _ bytes: [UInt8]) {
        let nameBytes = Array(name.utf8), crc = Self.crc32(bytes), offset = UInt32(data.count)
        // version 2.0, no flags, stored, time and date of 1980-01-01 00:00
        let common = Self.le16(20) + Self.le16(0) + Self.le16(0) + Self.le16(0) + Self.le16(0x21)
            + Self.le32(crc) + Self.le32(UInt32(bytes.count)) + Self.le32(UInt32(bytes.count)) + Self.le16(nameBytes.count)
        data += [0x50, 0x4B, 0x03, 0x04] + common + Self.le16(0) + nameBytes + bytes
        central += [0x50, 0x4B, 0x01, 0x02] + Self.le16(20) + common + Self.le16(0) + Self.le16(0) + Self.le16(0)
            + Self.le16(0) + Self.le32(0) + Self.le32(offset) + nameBytes
        count += 1
    }

    func finished() -> [UInt8] {
        data + central + [0x50, 0x4B, 0x05, 0x06] + Self.le16(0) + Self.le16(0) + Self.le16(count) + Self.le16(count)
            + Self.le32(UInt32(central.count)) + Self.le32(UInt32(data.count)) + Self.le16(0)
    }
}
