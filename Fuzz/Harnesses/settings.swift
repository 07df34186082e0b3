// Edit settings files (strata_edit.json, --settings overlays).
import StrataEdit

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSettings(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    _ = try? EditSettings.overriding(EditSettings(), with: FuzzInput.file(data, size, name: "settings.json"))
    return 0
}
