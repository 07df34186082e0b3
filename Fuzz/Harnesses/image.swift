// Image loading as edits do it: decode, scale and crop to the model's side, masks.
import StrataEdit

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzImage(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let path = FuzzInput.file(data, size).path
    _ = try? ImageFiles.load(path, side: 64)
    _ = try? ImageFiles.loadMask(path, side: 32)
    return 0
}
