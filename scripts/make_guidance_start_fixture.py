#!/usr/bin/env python3
"""Writes a reference for guidance that starts late: the tiny pipeline fixture (written by
make_model_fixtures.py) sampled with diffusers' UNet and DDIM scheduler from the same
latents, the first half of the steps on the prompt alone, the rest with classifier-free
guidance against the negative prompt, as Strata's GuidedSampler does with
guidanceStart 0.5.

Development-time only (needs torch, transformers, diffusers, safetensors):
    python3 scripts/make_guidance_start_fixture.py
"""
import json
import os

import torch
from diffusers import AutoencoderKL, DDIMScheduler, UNet2DConditionModel
from safetensors.torch import load_file, save_file
from transformers import CLIPTextModel, CLIPTokenizer

ROOT = os.path.join(os.path.dirname(__file__), "..")
MODELS = os.path.join(ROOT, "Tests", "StrataModelsTests", "Fixtures", "models")


def main():
    folder = os.path.join(MODELS, "pipeline_tiny")
    text = CLIPTextModel.from_pretrained(os.path.join(folder, "text_encoder"), torch_dtype=torch.float32).eval()
    unet = UNet2DConditionModel.from_pretrained(os.path.join(MODELS, "unet_tiny"), torch_dtype=torch.float32).eval()
    vae = AutoencoderKL.from_pretrained(os.path.join(MODELS, "vae_tiny"), torch_dtype=torch.float32).eval()
    tok = CLIPTokenizer.from_pretrained(os.path.join(ROOT, "Assets", "clip-tokenizer"))
    with open(os.path.join(folder, "scheduler_config.json")) as f:
        sched = DDIMScheduler.from_config(json.load(f))
    run = {"prompt": "a blue dog jumping in a forest", "negative": "blurry", "steps": 6, "cfg": 7.5, "guidance_start": 0.5}
    latents = load_file(os.path.join(folder, "io.safetensors"))["latents"]

    def encode(s):
        ids = tok(s, padding="max_length", max_length=tok.model_max_length, truncation=True, return_tensors="pt").input_ids
        return text(ids)[0]

    with torch.no_grad():
        cond, uncond = encode(run["prompt"]), encode(run["negative"])
        sched.set_timesteps(run["steps"])
        first_guided = round(run["guidance_start"] * run["steps"])
        x = latents * sched.init_noise_sigma
        for i, t in enumerate(sched.timesteps):
            if i < first_guided:
                eps = unet(sched.scale_model_input(x, t), t, encoder_hidden_states=cond).sample
            else:
                both = sched.scale_model_input(torch.cat([x, x]), t)
                e_u, e_c = unet(both, t, encoder_hidden_states=torch.cat([uncond, cond])).sample.chunk(2)
                eps = e_u + run["cfg"] * (e_c - e_u)
            x = sched.step(eps, t, x).prev_sample
        image = (vae.decode(x / vae.config.scaling_factor).sample / 2 + 0.5).clamp(0, 1)
    save_file({"image": image.contiguous()}, os.path.join(folder, "guidance_start.safetensors"), metadata={"run": json.dumps(run)})
    print("wrote", os.path.normpath(os.path.join(folder, "guidance_start.safetensors")))


if __name__ == "__main__":
    main()
