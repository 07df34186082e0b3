// A diffusers-style model folder: model_index.json naming the pipeline, and one folder
// per component. Loading names the part that is missing or wrong, in one line.
import Foundation

public struct ModelFolder {
    public let url: URL
    /// model_index.json's `_class_name`, e.g. "StableDiffusionPipeline".
    public let pipelineClass: String?

    /// Checks that `url` is a folder holding model_index.json.
    public init(_ url: URL) throws {
        var isDir: ObjCBool = false
        let index = url.appendingPathComponent("model_index.json")
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir), isDir.boolValue,
              let data = FileManager.default.contents(atPath: index.path) else {
            throw ModelFolderError.notAFolder(url.path)
        }
        let parsed: Index
        do { parsed = try JSONDecoder().decode(Index.self, from: data) } catch {
            throw ModelFolderError.invalid(folder: url.path, item: "model_index.json", reason: "not a JSON object naming a pipeline (\(error))")
        }
        self.url = url
        pipelineClass = parsed.className
    }

    /// What Strata reads of model_index.json: the pipeline's class name; the components
    /// are found by their folders.
    struct Index: Decodable {
        let className: String?
        enum CodingKeys: String, CodingKey { case className = "_class_name" }
    }

    /// Loads component `item` with `body`, naming the folder and item when it is missing
    /// or fails.
    public func load<T>(_ item: String, _ body: (URL) throws -> T) throws -> T {
        let part = url.appendingPathComponent(item)
        guard FileManager.default.fileExists(atPath: part.path) else { throw ModelFolderError.missing(folder: url.path, item: item + "/") }
        do { return try body(part) } catch let error as ConfigFileError {
            throw error
        } catch {
            throw ModelFolderError.invalid(folder: url.path, item: item, reason: "\(error)")
        }
    }
}
