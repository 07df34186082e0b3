#!/usr/bin/env python3
"""Writes diffusers reference runs of every sampler for StrataModels' scheduler tests.

Development-time only (needs torch, diffusers, safetensors):
    python3 scripts/make_scheduler_fixtures.py
Each run starts from saved noise, uses a fixed stand-in for the model
(0.3·sigmoid(scaled input) − 0.15 + 5e-4·t), and saves the timesteps, σ (when the
sampler has them) and the sample after every step. Stochastic samplers draw their noise
from torch.Generator("cpu").manual_seed(seed), which Strata's TorchRandom reproduces.
"""
import json
import os

import torch
from diffusers import (DDIMScheduler, DPMSolverMultistepScheduler, EulerAncestralDiscreteScheduler,
                       EulerDiscreteScheduler, PNDMScheduler)
from safetensors.torch import save_file

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "StrataModelsTests", "Fixtures", "schedulers")

SD = {"num_train_timesteps": 1000, "beta_start": 0.00085, "beta_end": 0.012, "beta_schedule": "scaled_linear",
      "steps_offset": 1, "timestep_spacing": "leading", "set_alpha_to_one": False, "prediction_type": "epsilon"}

RUNS = [
    ("ddim_sd_50", "ddim", DDIMScheduler, dict(SD, clip_sample=False), 50, {}),
    ("ddim_sd_10_eta", "ddim", DDIMScheduler, dict(SD, clip_sample=False), 10, {"eta": 0.7}),
    ("ddim_v_trailing_12", "ddim", DDIMScheduler, dict(SD, clip_sample=False, prediction_type="v_prediction",
                                                         timestep_spacing="trailing", set_alpha_to_one=True), 12, {}),
    ("pndm_sd_50", "pndm", PNDMScheduler, dict(SD, skip_prk_steps=True), 50, {}),
    ("pndm_sd_7", "pndm", PNDMScheduler, dict(SD, skip_prk_steps=True), 7, {}),
    ("euler_sd_30", "euler", EulerDiscreteScheduler, SD, 30, {}),
    ("euler_linspace_v_9", "euler", EulerDiscreteScheduler, dict(SD, timestep_spacing="linspace", prediction_type="v_prediction"), 9, {}),
    ("euler_karras_20", "euler", EulerDiscreteScheduler, dict(SD, use_karras_sigmas=True), 20, {}),
    ("euler_a_sd_25", "euler_a", EulerAncestralDiscreteScheduler, SD, 25, {}),
    ("dpmpp_2m_sd_25", "dpmpp_2m", DPMSolverMultistepScheduler, SD, 25, {}),
    ("dpmpp_2m_sd_8", "dpmpp_2m", DPMSolverMultistepScheduler, SD, 8, {}),
    ("dpmpp_2m_karras_20", "dpmpp_2m_karras", DPMSolverMultistepScheduler, dict(SD, use_karras_sigmas=True), 20, {}),
    ("dpmpp_2m_linspace_v_16", "dpmpp_2m", DPMSolverMultistepScheduler, dict(SD, timestep_spacing="linspace", prediction_type="v_prediction"), 16, {}),
    ("ddim_linear_cosine_5", "ddim", DDIMScheduler, dict(SD, beta_schedule="squaredcos_cap_v2", clip_sample=False), 5, {}),
]


def model(x, t):
    return 0.3 * torch.sigmoid(x) - 0.15 + 5e-4 * float(t)


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, kind, cls, config, steps, kw in RUNS:
        sched = cls.from_config(config)
        sched.set_timesteps(steps)
        torch.manual_seed(1234)
        x0 = torch.randn(1, 4, 8, 8)
        x = x0 * sched.init_noise_sigma
        gen = torch.Generator("cpu").manual_seed(99)
        samples = []
        for t in sched.timesteps:
            inp = sched.scale_model_input(x, t)
            out = model(inp, t)
            extra = {"generator": gen} if kind in ("euler_a",) or kw.get("eta", 0) > 0 else {}
            x = sched.step(out, t, x, **kw, **extra).prev_sample
            samples.append(x.clone())
        tensors = {"noise": x0, "timesteps": sched.timesteps.double(), "samples": torch.stack(samples),
                   "init_noise_sigma": torch.tensor([float(sched.init_noise_sigma)], dtype=torch.float64)}
        if hasattr(sched, "sigmas") and kind != "pndm" and kind != "ddim":
            tensors["sigmas"] = sched.sigmas.double()
        meta = {"kind": kind, "steps": str(steps), "eta": str(kw.get("eta", 0.0)), "config": json.dumps(config)}
        save_file(tensors, os.path.join(OUT, f"{name}.safetensors"), metadata=meta)
    # add_noise, as training uses it: each sample at its own timestep.
    sched = DDIMScheduler.from_config(dict(SD, clip_sample=False))
    torch.manual_seed(77)
    latents, noise = torch.randn(5, 4, 6, 6), torch.randn(5, 4, 6, 6)
    timesteps = torch.tensor([0, 1, 250, 777, 999])
    save_file({"latents": latents, "noise": noise, "timesteps": timesteps.double(),
               "noisy": sched.add_noise(latents, noise, timesteps)}, os.path.join(OUT, "add_noise.safetensors"),
              metadata={"config": json.dumps(SD)})
    print("wrote", len(RUNS), "scheduler runs and add_noise to", os.path.normpath(OUT))


if __name__ == "__main__":
    main()
