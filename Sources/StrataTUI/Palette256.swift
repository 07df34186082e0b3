// The xterm 256-colour palette's colour cube and grey ramp, for terminals without
// truecolour: the nearest entry to an RGB colour.

public enum Palette256 {
    static let levels: [Int] = [0, 95, 135, 175, 215, 255]

    static func nearestLevel(_ v: UInt8) -> Int {
        var best = 0
        for i in 1..<6 where abs(levels[i] - Int(v)) < abs(levels[best] - Int(v)) { best = i }
        return best
    }

    public static func nearest(_ c: RGB) -> Int {
        let r = nearestLevel(c.r), g = nearestLevel(c.g), b = nearestLevel(c.b)
        let cube = 16 + 36 * r + 6 * g + b
        func distance(_ x: (Int, Int, Int)) -> Int {
            let dr = x.0 - Int(c.r), dg = x.1 - Int(c.g), db = x.2 - Int(c.b)
            return dr * dr + dg * dg + db * db
        }
        let cubeDistance = distance((levels[r], levels[g], levels[b]))
        let mean = (Int(c.r) + Int(c.g) + Int(c.b)) / 3
        let grey = min(23, max(0, (mean - 8 + 5) / 10)), greyValue = 8 + 10 * grey
        return distance((greyValue, greyValue, greyValue)) < cubeDistance ? 232 + grey : cube
    }
}
