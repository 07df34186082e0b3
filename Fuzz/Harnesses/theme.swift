// Editor themes (.theme files).
import StrataTUI

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTheme(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    _ = try? Theme.load(FuzzInput.file(data, size, name: "input.theme"))
    return 0
}
