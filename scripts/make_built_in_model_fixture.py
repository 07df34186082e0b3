#!/usr/bin/env python3
"""Runs diffusers' StableDiffusionPipeline on the built-in model folder
(Assets/models/strata-sprites) exactly as it is on disk, from given initial latents, and
saves the latents and the image it makes as a test fixture. BuiltInModelTests checks
that Strata draws the same image from the same latents. Rerun whenever the built-in
model's weights change: the fixture records the SHA-256 of the UNet file it was made
from, and the test says when they no longer match.

Development-time only: python3 scripts/make_built_in_model_fixture.py
"""
import hashlib
import json
import os

import torch
from safetensors.torch import save_file

ROOT = os.path.join(os.path.dirname(__file__), "..")
MODEL = os.path.join(ROOT, "Assets", "models", "strata-sprites")
OUT = os.path.join(ROOT, "Tests", "StrataSpritesTests", "Fixtures", "built-in-model.safetensors")


def main():
    from diffusers import StableDiffusionPipeline
    torch.set_num_threads(2)
    pipe = StableDiffusionPipeline.from_pretrained(MODEL, torch_dtype=torch.float32, safety_checker=None,
                                                   requires_safety_checker=False, local_files_only=True)
    pipe.set_progress_bar_config(disable=True)
    unet_file = os.path.join(MODEL, "unet", "diffusion_pytorch_model.safetensors")
    digest = hashlib.sha256(open(unet_file, "rb").read()).hexdigest()
    run = {"prompt": "a big cat jumping on a beach", "steps": 20, "cfg": 7.5, "unet_sha256": digest}
    latents = torch.randn(2, 4, 16, 16, generator=torch.Generator().manual_seed(7))
    with torch.no_grad():
        image = pipe([run["prompt"]] * 2, num_inference_steps=run["steps"], guidance_scale=run["cfg"],
                     latents=latents, output_type="np", height=64, width=64).images
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    save_file({"latents": latents.contiguous(), "image": torch.from_numpy(image).contiguous()}, OUT,
              metadata={"run": json.dumps(run)})
    print("wrote", OUT, "image range", float(image.min()), float(image.max()))


if __name__ == "__main__":
    main()
