// An image the interface shows: 8-bit RGB pixels and an identity, so its cells are
// converted once per pane size and reused by every frame after.

public struct Picture: Equatable, Sendable {
    public let id: Int
    public let side: Int
    public let rgb: [UInt8]

    nonisolated(unsafe) static var nextID = 1

    public init(side: Int, rgb: [UInt8]) {
        precondition(rgb.count == side * side * 3, "a picture holds side×side RGB pixels")
        self.side = side; self.rgb = rgb
        id = Picture.nextID
        Picture.nextID += 1
    }

    public static func == (a: Picture, b: Picture) -> Bool { a.id == b.id }
}
