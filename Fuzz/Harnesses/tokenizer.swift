// The tokenizer on any text: normalising, splitting, byte-pair merges, the 77-token cut.
import Foundation
import StrataModels

let tokenizer: CLIPTokenizer = {
    let folder = ProcessInfo.processInfo.environment["STRATA_TOKENIZER"] ?? "Assets/clip-tokenizer"
    return try! CLIPTokenizer(folder: URL(fileURLWithPath: folder))
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTokenizer(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    _ = tokenizer.encodePadded(text)
    return 0
}
