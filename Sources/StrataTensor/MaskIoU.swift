// Intersection over union of two masks, each pixel in where its value is above 0.5:
// the one measure of mask agreement (judge, edits, layers).

/// IoU of two masks of the same size (1 when both are empty).
public func maskIoU(_ a: [Float], _ b: [Float]) -> Double {
    precondition(a.count == b.count, "maskIoU: masks of \(a.count) and \(b.count) pixels")
    var both = 0, either = 0
    for i in a.indices {
        let x = a[i] > 0.5, y = b[i] > 0.5
        if x && y { both += 1 }
        if x || y { either += 1 }
    }
    return either == 0 ? 1 : Double(both) / Double(either)
}
