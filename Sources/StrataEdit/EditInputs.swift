// What an edit starts from, already at the model's resolution: the source image and its
// subject mask, the two texts, an optional reference background with its subject mask,
// and where the subject should stand.
import StrataTensor

public struct Placement: Codable, Equatable, Sendable {
    public var dx = 0, dy = 0
    public var scale = 1.0
    public init(dx: Int = 0, dy: Int = 0, scale: Double = 1) { self.dx = dx; self.dy = dy; self.scale = scale }
    public var isIdentity: Bool { dx == 0 && dy == 0 && scale == 1 }
}

public struct EditInputs {
    /// [1, 3, H, W] in [0, 1].
    public var source: Tensor
    /// [1, 1, H, W], 1 on the subject.
    public var subjectMask: Tensor
    public var subjectText: String
    public var backgroundText: String
    /// An image whose background the result should follow, and its subject mask (zeros
    /// when it holds no subject).
    public var reference: Tensor?
    public var referenceMask: Tensor?
    /// An explicit placement mask, else the placement applied to the subject mask.
    public var placementMask: Tensor?
    public var placement = Placement()

    public init(source: Tensor, subjectMask: Tensor, subjectText: String, backgroundText: String) {
        self.source = source; self.subjectMask = subjectMask
        self.subjectText = subjectText; self.backgroundText = backgroundText
    }

    /// T = T_a + " " + T_b.
    public var fullText: String { subjectText + " " + backgroundText }

    public func validate() throws {
        guard source.rank == 4, source.shape[0] == 1, source.shape[1] == 3 else { throw EditError.input("the source image must be RGB") }
        guard subjectMask.shape == [1, 1, source.shape[2], source.shape[3]] else {
            throw EditError.input("the subject mask is \(subjectMask.shape.dropFirst(2).map(String.init).joined(separator: "×")), the image \(source.shape[2])×\(source.shape[3])")
        }
        let c = MaskOps.coverage(subjectMask)
        guard c > 0 else { throw EditError.input("the subject mask is empty: paint or suggest the subject first") }
        guard c < 1 else { throw EditError.input("the subject mask covers the whole image: there is no background to change") }
        guard !subjectText.trimmingCharacters(in: .whitespaces).isEmpty else { throw EditError.input("the subject text is empty") }
        guard !backgroundText.trimmingCharacters(in: .whitespaces).isEmpty else { throw EditError.input("the background text is empty") }
    }
}

import Foundation
