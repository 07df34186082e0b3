// Session folders: session.json beside a real source and mask.
import Foundation
import StrataEdit
import StrataModels

let sessionFolder: URL = {
    let folder = FuzzInput.folder.appendingPathComponent("session")
    try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let picture = [UInt8](repeating: 128, count: 16 * 16 * 3), mask = [UInt8]((0..<256).map { $0 % 3 == 0 ? 255 : 0 })
    try? PNGImage.write(folder.appendingPathComponent("source.png").path, width: 16, height: 16, channels: 3, pixels: picture)
    try? PNGImage.write(folder.appendingPathComponent("mask.png").path, width: 16, height: 16, channels: 1, pixels: mask)
    return folder
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSession(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    FileManager.default.createFile(atPath: sessionFolder.appendingPathComponent("session.json").path, contents: FuzzInput.data(data, size))
    _ = try? EditSession.open(sessionFolder, side: 16)
    return 0
}
