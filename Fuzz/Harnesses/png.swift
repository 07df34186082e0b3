// PNG reading: the header's limits, libpng's errors, text chunks.
import StrataModels

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPNG(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    _ = try? PNGImage.read(FuzzInput.file(data, size).path)
    return 0
}
