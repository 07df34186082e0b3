// Safetensors parsing, then every tensor read.
import StrataModels

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSafeTensors(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard let file = try? SafeTensorsFile(data: FuzzInput.data(data, size)) else { return 0 }
    for name in file.names { _ = try? file.tensor(name) }
    return 0
}
