#!/usr/bin/env python3
"""Runs diffusers' StableDiffusionImg2ImgPipeline (DDIM, PyTorch's CPU generator) on the
built-in model folder (Assets/models/strata-sprites) from the bundled example image, at
two strengths and guidance scales, and saves the source and the images as a test
fixture. SDEditReferenceTests checks that Strata's SDEdit baseline draws the same images
from the same settings and seeds. Rerun whenever the built-in model's weights change: the
fixture records the SHA-256 of the UNet file it was made from.

Development-time only: python3 scripts/make_sdedit_fixture.py
"""
import hashlib
import json
import os

import numpy as np
import torch
from PIL import Image
from safetensors.torch import save_file

ROOT = os.path.join(os.path.dirname(__file__), "..")
MODEL = os.path.join(ROOT, "Assets", "models", "strata-sprites")
SOURCE = os.path.join(ROOT, "Assets", "examples", "blue-dog-meadow.png")
OUT = os.path.join(ROOT, "Tests", "StrataSpritesTests", "Fixtures", "sdedit-img2img.safetensors")

RUNS = [
    {"subject": "a blue dog jumping", "background": "in a forest", "strength": 0.7, "cfg": 7.5, "seed": 3, "steps": 20},
    {"subject": "a small blue dog sitting", "background": "on a beach", "strength": 0.45, "cfg": 4.0, "seed": 11, "steps": 20},
]


def main():
    from diffusers import DDIMScheduler, StableDiffusionImg2ImgPipeline
    torch.set_num_threads(2)
    pipe = StableDiffusionImg2ImgPipeline.from_pretrained(MODEL, torch_dtype=torch.float32, safety_checker=None,
                                                          requires_safety_checker=False, local_files_only=True)
    pipe.scheduler = DDIMScheduler.from_config(pipe.scheduler.config)
    pipe.set_progress_bar_config(disable=True)
    unet_file = os.path.join(MODEL, "unet", "diffusion_pytorch_model.safetensors")
    digest = hashlib.sha256(open(unet_file, "rb").read()).hexdigest()
    image = Image.open(SOURCE).convert("RGB")
    source = torch.from_numpy(np.asarray(image, dtype=np.float32) / 255.0).permute(2, 0, 1)[None].contiguous()
    tensors = {"source": source}
    for i, run in enumerate(RUNS):
        # Strata's edit text T: the subject's text, a space, the background's.
        prompt = run["subject"] + " " + run["background"]
        with torch.no_grad():
            out = pipe(prompt, image=image, strength=run["strength"], guidance_scale=run["cfg"],
                       num_inference_steps=run["steps"], generator=torch.Generator("cpu").manual_seed(run["seed"]),
                       output_type="np").images
        tensors[f"image{i}"] = torch.from_numpy(out).permute(0, 3, 1, 2).contiguous()
        print(run, "range", float(out.min()), float(out.max()))
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    save_file(tensors, OUT, metadata={"runs": json.dumps(RUNS), "unet_sha256": digest})
    print("wrote", OUT)


if __name__ == "__main__":
    main()
