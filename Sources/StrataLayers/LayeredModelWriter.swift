// Writes a layered model as the folder LayeredModel(folder:) reads, whole or not at all.
import Foundation
import StrataModels
import StrataTensor

extension LayeredModel {
    /// model_index.json's entries for this model.
    public var modelIndex: [String: JSONValue] {
        let baseline = codec is SeparateLayerCodec
        return ["_class_name": .string(baseline ? Self.baselinePipelineClass : Self.pipelineClass), "_diffusers_version": .string(ModelFolderWriter.diffusersVersion),
                "scheduler": ["diffusers", "DDIMScheduler"], "text_encoder": ["transformers", "CLIPTextModel"],
                "tokenizer": ["transformers", "CLIPTokenizer"], "unet": ["diffusers", "UNet2DConditionModel"],
                codec.component: baseline ? ["diffusers", "AutoencoderKL"] : ["strata", "LayeredAutoencoder"]]
    }

    /// Writes every part into a staging folder and swaps it in for `folder`;
    /// `tokenizerSource` holds the tokenizer's files (vocab.json, merges.txt), copied.
    public func write(to folder: URL, tokenizerSource: URL, as type: SafeTensorsFile.StorageType = .f16) throws {
        try AtomicFolder.write(folder) { staging in
            try ModelFolderWriter.writeUNet(unet, to: staging.appendingPathComponent("unet"), as: type)
            try codec.write(to: staging.appendingPathComponent(codec.component), as: type)
            try ModelFolderWriter.writeTextEncoder(textEncoder, to: staging.appendingPathComponent("text_encoder"), as: type)
            try ModelFolderWriter.writeTokenizer(from: tokenizerSource, to: staging.appendingPathComponent("tokenizer"))
            try ModelFolderWriter.writeScheduler(schedulerConfig, to: staging.appendingPathComponent("scheduler"))
            try ModelFolderWriter.writeModelIndex(modelIndex, to: staging)
        }
    }
}
