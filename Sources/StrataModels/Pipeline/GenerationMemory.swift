// How much memory one text-to-image (or text-to-layers) sample needs at its peak,
// estimated before it starts with the same factors as an edit's estimate (StrataEdit's
// MemoryEstimate, fitted to measured peaks): the weights, 30 UNet feature maps per level
// for each of the two guided samples, 19 decoder maps at full resolution, and 64 MB for
// the process. A sample that cannot fit is refused with both figures.
import Foundation

public enum GenerationMemory {
    /// The process itself and OpenBLAS's buffers.
    public static let processBytes = 64 << 20

    /// Bytes of one fp32 feature map per level of a network with these channels per
    /// level, each level half the size of the one before (`width`×`height` at the first).
    /// In floating point: a hostile size gives a huge estimate, not an overflow.
    public static func featureMapBytes(_ channels: [Int], width: Int, height: Int) -> Double {
        4 * channels.enumerated().reduce(0.0) { sum, level in
            sum + Double(level.element) * Double(max(1, width >> level.offset)) * Double(max(1, height >> level.offset))
        }
    }

    /// Bytes at the peak of sampling a `width`×`height` image.
    public static func peakBytes(unet: UNet2DConditionModel, decoderBlocks: [Int], latentFactor: Int,
                                 otherParameters: Int, width: Int, height: Int) -> Int {
        let parameters = unet.parameters.elementCount + otherParameters
        let unetMaps = featureMapBytes(unet.config.blockOutChannels, width: width / latentFactor, height: height / latentFactor)
        let decoderMaps = featureMapBytes(decoderBlocks, width: width, height: height)
        let bytes = Double(processBytes) + 4 * Double(parameters) + max(2 * 30 * unetMaps, 19 * decoderMaps)
        return bytes < Double(Int.max / 2) ? Int(bytes) : Int.max / 2
    }

    /// The memory this process may use: the machine's physical memory, or the control
    /// group's limit when that is lower.
    public static var available: Int {
        var limit = Int(sysconf(Int32(_SC_PHYS_PAGES))) * Int(sysconf(Int32(_SC_PAGESIZE)))
        if let text = try? String(contentsOfFile: "/sys/fs/cgroup/memory.max", encoding: .utf8),
           let cgroup = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
            limit = min(limit, cgroup)
        }
        return limit
    }

    /// Throws `GenerationError.memory` when the estimate is above `limit`.
    public static func check(_ needed: Int, limit: Int = available) throws {
        guard needed <= limit else { throw GenerationError.memory(needed: needed, limit: limit) }
    }
}
