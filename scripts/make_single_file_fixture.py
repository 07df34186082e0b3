#!/usr/bin/env python3
"""Writes a single-file Stable Diffusion 1.x checkpoint (original latent-diffusion key
names) from the tiny diffusers components of make_model_fixtures.py, loads it back with
diffusers' own `from_single_file` (with a local `config=` folder: nothing is fetched),
checks that diffusers recovers every weight, and saves an image generated from it.

diffusers' pip package converts only from the original names, so this script writes
them itself, with its own key mapping (independent of Strata's Swift one).

Development-time only: python3 scripts/make_single_file_fixture.py
"""
import json
import os
import shutil

import torch
from safetensors.torch import load_file, save_file

ROOT = os.path.join(os.path.dirname(__file__), "..")
MODELS = os.path.join(ROOT, "Tests", "StrataModelsTests", "Fixtures", "models")
OUT = os.path.join(MODELS, "single_file")

RESNET = {"norm1": "in_layers.0", "conv1": "in_layers.2", "time_emb_proj": "emb_layers.1",
          "norm2": "out_layers.0", "conv2": "out_layers.3", "conv_shortcut": "skip_connection"}


def unet_key(k, config):
    L = config["layers_per_block"]
    up_types = config["up_block_types"]
    p = k.split(".")
    fixed = {"conv_in": "input_blocks.0.0", "time_embedding.linear_1": "time_embed.0",
             "time_embedding.linear_2": "time_embed.2", "conv_norm_out": "out.0", "conv_out": "out.2"}
    for a, b in fixed.items():
        if k.startswith(a + "."):
            return "model.diffusion_model." + b + k[len(a):]
    def resnet(rest):
        return RESNET[rest[0]] + "." + ".".join(rest[1:])
    if p[0] == "down_blocks":
        i = int(p[1])
        if p[2] == "resnets":
            new = f"input_blocks.{1 + i * (L + 1) + int(p[3])}.0.{resnet(p[4:])}"
        elif p[2] == "attentions":
            new = f"input_blocks.{1 + i * (L + 1) + int(p[3])}.1." + ".".join(p[4:])
        else:  # downsamplers.0.conv
            new = f"input_blocks.{1 + i * (L + 1) + L}.0.op." + ".".join(p[5:])
    elif p[0] == "mid_block":
        if p[1] == "resnets":
            new = f"middle_block.{0 if p[2] == '0' else 2}.{resnet(p[3:])}"
        else:
            new = "middle_block.1." + ".".join(p[3:])
    elif p[0] == "up_blocks":
        i = int(p[1])
        if p[2] == "resnets":
            new = f"output_blocks.{i * (L + 1) + int(p[3])}.0.{resnet(p[4:])}"
        elif p[2] == "attentions":
            new = f"output_blocks.{i * (L + 1) + int(p[3])}.1." + ".".join(p[4:])
        else:  # upsamplers.0.conv
            slot = 2 if up_types[i].startswith("CrossAttn") else 1
            new = f"output_blocks.{i * (L + 1) + L}.{slot}.conv." + ".".join(p[5:])
    else:
        raise KeyError(k)
    return "model.diffusion_model." + new


def vae_key(k, config, value):
    n = len(config["block_out_channels"])
    p = k.split(".")
    attn = {"group_norm": "norm", "to_q": "q", "to_k": "k", "to_v": "v", "to_out": "proj_out"}
    if p[0] in ("quant_conv", "post_quant_conv"):
        return "first_stage_model." + k, value
    side = p[0]
    if p[1] in ("conv_in", "conv_out"):
        new = k
    elif p[1] == "conv_norm_out":
        new = f"{side}.norm_out." + ".".join(p[2:])
    elif p[1] == "mid_block":
        if p[2] == "resnets":
            rest = ".".join(p[4:]).replace("conv_shortcut", "nin_shortcut")
            new = f"{side}.mid.block_{int(p[3]) + 1}.{rest}"
        else:  # attentions.0.X
            name = attn[p[4]]
            tail = p[-1]
            new = f"{side}.mid.attn_1.{name}.{tail}"
            if name != "norm" and tail == "weight":
                value = value.reshape(*value.shape, 1, 1)  # the original stores 1×1 convolutions
    elif p[1] == "down_blocks":
        i = int(p[2])
        if p[3] == "resnets":
            new = f"encoder.down.{i}.block.{p[4]}." + ".".join(p[5:]).replace("conv_shortcut", "nin_shortcut")
        else:
            new = f"encoder.down.{i}.downsample.conv." + p[-1]
    elif p[1] == "up_blocks":
        i = n - 1 - int(p[2])
        if p[3] == "resnets":
            new = f"decoder.up.{i}.block.{p[4]}." + ".".join(p[5:]).replace("conv_shortcut", "nin_shortcut")
        else:
            new = f"decoder.up.{i}.upsample.conv." + p[-1]
    else:
        raise KeyError(k)
    return "first_stage_model." + new, value


def main():
    from diffusers import StableDiffusionPipeline
    pipe_dir = os.path.join(MODELS, "pipeline_tiny")
    unet_cfg = json.load(open(os.path.join(MODELS, "unet_tiny", "config.json")))
    vae_cfg = json.load(open(os.path.join(MODELS, "vae_tiny", "config.json")))
    unet_sd = load_file(os.path.join(MODELS, "unet_tiny", "diffusion_pytorch_model.safetensors"))
    vae_sd = load_file(os.path.join(MODELS, "vae_tiny", "diffusion_pytorch_model.safetensors"))
    text_sd = load_file(os.path.join(pipe_dir, "text_encoder", "model.safetensors"))
    ckpt = {}
    for k, v in unet_sd.items():
        ckpt[unet_key(k, unet_cfg)] = v.half()
    for k, v in vae_sd.items():
        nk, nv = vae_key(k, vae_cfg, v)
        ckpt[nk] = nv.half().contiguous()
    for k, v in text_sd.items():
        name = k if k.startswith("text_model.") else "text_model." + k
        ckpt["cond_stage_model.transformer." + name] = v.half()
    # Real SD 1.x files carry this integer tensor; Strata must skip it knowingly.
    ckpt["cond_stage_model.transformer.text_model.embeddings.position_ids"] = torch.arange(77, dtype=torch.int64)[None]
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, "tiny-sd-v1.safetensors")
    save_file(ckpt, path, metadata={"format": "pt"})

    # The local config folder from_single_file reads instead of fetching one.
    cfg = os.path.join(OUT, "config")
    shutil.rmtree(cfg, ignore_errors=True)
    os.makedirs(cfg)
    for comp, src in (("unet", os.path.join(MODELS, "unet_tiny")), ("vae", os.path.join(MODELS, "vae_tiny")),
                      ("text_encoder", os.path.join(pipe_dir, "text_encoder"))):
        os.makedirs(os.path.join(cfg, comp))
        shutil.copy(os.path.join(src, "config.json"), os.path.join(cfg, comp, "config.json"))
    shutil.copytree(os.path.join(ROOT, "Assets", "clip-tokenizer"), os.path.join(cfg, "tokenizer"))
    os.makedirs(os.path.join(cfg, "scheduler"))
    shutil.copy(os.path.join(pipe_dir, "scheduler_config.json"), os.path.join(cfg, "scheduler", "scheduler_config.json"))
    json.dump({"_class_name": "StableDiffusionPipeline", "_diffusers_version": "0.42.1",
               "feature_extractor": [None, None], "safety_checker": [None, None], "requires_safety_checker": False,
               "scheduler": ["diffusers", "DDIMScheduler"], "text_encoder": ["transformers", "CLIPTextModel"],
               "tokenizer": ["transformers", "CLIPTokenizer"], "unet": ["diffusers", "UNet2DConditionModel"],
               "vae": ["diffusers", "AutoencoderKL"]}, open(os.path.join(cfg, "model_index.json"), "w"), indent=1)

    pipe = StableDiffusionPipeline.from_single_file(path, config=cfg, local_files_only=True, torch_dtype=torch.float32,
                                                    safety_checker=None, requires_safety_checker=False)
    # diffusers recovers every weight of the components the file was written from.
    for name, sd, model in (("unet", unet_sd, pipe.unet), ("vae", vae_sd, pipe.vae)):
        got = model.state_dict()
        assert set(got) == set(sd), (name, set(got) ^ set(sd))
        for k in sd:
            assert torch.equal(got[k].float(), sd[k].half().float()), (name, k)
    got = pipe.text_encoder.state_dict()
    for k, v in text_sd.items():
        kk = k if k in got else "text_model." + k
        assert torch.equal(got[kk].float(), v.half().float()), ("text", k)

    io = load_file(os.path.join(pipe_dir, "io.safetensors"))
    run = {"prompt": "a blue dog jumping in a forest", "negative": "blurry", "steps": 6, "cfg": 7.5}
    with torch.no_grad():
        image = pipe(run["prompt"], negative_prompt=run["negative"], num_inference_steps=run["steps"],
                     guidance_scale=run["cfg"], latents=io["latents"], output_type="np", height=32, width=32).images
    save_file({"latents": io["latents"], "image": torch.from_numpy(image).contiguous()}, os.path.join(OUT, "io.safetensors"),
              metadata={"run": json.dumps(run)})
    print("wrote", path, os.path.getsize(path), "bytes")


if __name__ == "__main__":
    main()
