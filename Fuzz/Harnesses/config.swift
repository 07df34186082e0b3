// Model configs: the first byte picks the kind (UNet, VAE, text encoder, scheduler), the
// rest is the JSON; decoding checks every field's range.
import Foundation
import StrataModels

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfig(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let json = FuzzInput.data(data + 1, size - 1)
    let decoder = JSONDecoder()
    switch data[0] % 4 {
    case 0: _ = try? decoder.decode(UNetConfig.self, from: json)
    case 1: _ = try? decoder.decode(VAEConfig.self, from: json)
    case 2: _ = try? decoder.decode(CLIPTextConfig.self, from: json)
    default: _ = try? decoder.decode(SchedulerConfig.self, from: json)
    }
    return 0
}
