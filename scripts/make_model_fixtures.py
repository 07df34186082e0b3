#!/usr/bin/env python3
"""Writes small randomly initialised transformers/diffusers components with their inputs
and outputs, for StrataModels' model tests (the way diffusers' own tests build theirs).

Development-time only (needs torch, transformers, diffusers, safetensors):
    python3 scripts/make_model_fixtures.py
"""
import os

import torch
from safetensors.torch import save_file
from transformers import CLIPTextConfig, CLIPTextModel

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "StrataModelsTests", "Fixtures", "models")


def clip_text(name, act):
    torch.manual_seed(0)
    config = CLIPTextConfig(bos_token_id=0, eos_token_id=2, hidden_size=32, intermediate_size=37, layer_norm_eps=1e-05,
                            num_attention_heads=4, num_hidden_layers=5, pad_token_id=1, vocab_size=1000, hidden_act=act)
    model = CLIPTextModel(config).eval()
    folder = os.path.join(OUT, name)
    model.save_pretrained(folder, safe_serialization=True)
    g = torch.Generator().manual_seed(1)
    ids = torch.randint(0, 1000, (2, 77), generator=g)
    with torch.no_grad():
        out = model(ids, output_hidden_states=True)
        core = getattr(model, "text_model", model)  # transformers 5 dropped the text_model wrapper
        skip1 = core.final_layer_norm(out.hidden_states[-2])
    save_file({"ids": ids.to(torch.int64), "last_hidden_state": out.last_hidden_state.contiguous(),
               "clip_skip_1": skip1.contiguous()}, os.path.join(folder, "io.safetensors"))


def unet(name, **overrides):
    """A diffusers test-sized UNet; weights rounded through fp16 and stored as fp16 (half the
    size), outputs computed from those same values in fp32."""
    from diffusers import UNet2DConditionModel
    torch.manual_seed(0)
    kw = dict(block_out_channels=(32, 64), layers_per_block=2, sample_size=16, in_channels=4, out_channels=4,
              down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"), up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
              cross_attention_dim=32, norm_num_groups=32)
    kw.update(overrides)
    model = UNet2DConditionModel(**kw)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(p.half().float() + 0.02 * torch.randn_like(p).half().float())  # also make norms and biases non-trivial
            p.copy_(p.half().float())
    folder = os.path.join(OUT, name)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "config.json"), "w") as f:
        f.write(model.to_json_string())
    save_file({k: v.half().contiguous() for k, v in model.state_dict().items()},
              os.path.join(folder, "diffusion_pytorch_model.safetensors"), metadata={"format": "pt"})
    g = torch.Generator().manual_seed(2)
    sample = torch.randn(2, 4, 16, 16, generator=g)
    t = torch.tensor([10.0, 731.0])
    ctx = torch.randn(2, 77, kw["cross_attention_dim"], generator=g)
    target = torch.randn(2, 4, 16, 16, generator=g)
    mask = (torch.rand(2, 1, 16, 16, generator=g) > 0.5).float()
    model.train()
    pred = model(sample, t, encoder_hidden_states=ctx).sample
    loss = torch.nn.functional.mse_loss(pred * mask, target * mask)
    loss.backward()
    # (a time projection in a block of one channel per group gets no gradient: the next
    # GroupNorm removes per-channel shifts, so the one checked is in the 64-channel block)
    chosen = ["conv_in.weight", "time_embedding.linear_1.weight", "down_blocks.0.resnets.1.conv2.weight",
              "down_blocks.1.attentions.1.transformer_blocks.0.attn2.to_k.weight",
              "down_blocks.1.attentions.0.transformer_blocks.0.ff.net.0.proj.weight",
              "mid_block.attentions.0.proj_out.weight",
              "mid_block.resnets.1.norm1.weight", "up_blocks.0.resnets.2.conv_shortcut.weight", "up_blocks.0.upsamplers.0.conv.bias",
              "up_blocks.0.resnets.1.time_emb_proj.weight", "conv_out.weight", "conv_norm_out.bias"]
    params = dict(model.named_parameters())
    tensors = {"sample": sample, "timesteps": t, "context": ctx, "target": target, "mask": mask,
               "prediction": pred.detach().contiguous(), "loss": loss.detach().reshape(1)}
    for n in chosen:
        tensors["grad:" + n] = params[n].grad.contiguous()
    save_file(tensors, os.path.join(folder, "io.safetensors"))
    return sum(p.numel() for p in model.parameters())


def vae(name):
    """A diffusers test-sized AutoencoderKL, weights rounded through fp16 and stored as fp16."""
    from diffusers import AutoencoderKL
    torch.manual_seed(0)
    model = AutoencoderKL(block_out_channels=[32, 64], in_channels=3, out_channels=3,
                          down_block_types=["DownEncoderBlock2D", "DownEncoderBlock2D"],
                          up_block_types=["UpDecoderBlock2D", "UpDecoderBlock2D"], latent_channels=4, norm_num_groups=32)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_((p + 0.02 * torch.randn_like(p)).half().float())
    folder = os.path.join(OUT, name)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "config.json"), "w") as f:
        f.write(model.to_json_string())
    save_file({k: v.half().contiguous() for k, v in model.state_dict().items()},
              os.path.join(folder, "diffusion_pytorch_model.safetensors"), metadata={"format": "pt"})
    g = torch.Generator().manual_seed(3)
    image = torch.rand(2, 3, 32, 32, generator=g) * 2 - 1
    z = torch.randn(2, 4, 16, 16, generator=g)
    with torch.no_grad():
        dist = model.encode(image).latent_dist
        decoded = model.decode(z).sample
    save_file({"image": image, "mean": dist.mean.contiguous(), "logvar": dist.logvar.contiguous(), "latents": z,
               "decoded": decoded.contiguous(), "scaling_factor": torch.tensor([model.config.scaling_factor])},
              os.path.join(folder, "io.safetensors"))


def pipeline(name):
    """A whole text-to-image run of diffusers' StableDiffusionPipeline on the tiny UNet and VAE
    above and a CLIP text encoder of width 32 over the full CLIP vocabulary, from given latents."""
    import json
    from diffusers import AutoencoderKL, DDIMScheduler, StableDiffusionPipeline, UNet2DConditionModel
    from transformers import CLIPTokenizer
    root = os.path.join(os.path.dirname(__file__), "..")
    torch.manual_seed(0)
    config = CLIPTextConfig(bos_token_id=49406, eos_token_id=49407, hidden_size=32, intermediate_size=37, layer_norm_eps=1e-05,
                            num_attention_heads=4, num_hidden_layers=5, pad_token_id=49407, vocab_size=49408)
    text = CLIPTextModel(config).eval()
    with torch.no_grad():
        for p in text.parameters():
            p.copy_(p.half().float())
    folder = os.path.join(OUT, name)
    os.makedirs(os.path.join(folder, "text_encoder"), exist_ok=True)
    text.config.save_pretrained(os.path.join(folder, "text_encoder"))
    save_file({k: v.half().contiguous() for k, v in text.state_dict().items()},
              os.path.join(folder, "text_encoder", "model.safetensors"), metadata={"format": "pt"})
    unet = UNet2DConditionModel.from_pretrained(os.path.join(OUT, "unet_tiny"), torch_dtype=torch.float32).eval()
    vae = AutoencoderKL.from_pretrained(os.path.join(OUT, "vae_tiny"), torch_dtype=torch.float32).eval()
    tok = CLIPTokenizer.from_pretrained(os.path.join(root, "Assets", "clip-tokenizer"))
    sched = DDIMScheduler(beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear", clip_sample=False,
                          set_alpha_to_one=False, steps_offset=1)
    pipe = StableDiffusionPipeline(vae=vae, text_encoder=text, tokenizer=tok, unet=unet, scheduler=sched,
                                   safety_checker=None, feature_extractor=None, requires_safety_checker=False)
    g = torch.Generator().manual_seed(5)
    latents = torch.randn(1, 4, 16, 16, generator=g)
    run = {"prompt": "a blue dog jumping in a forest", "negative": "blurry", "steps": 6, "cfg": 7.5}
    with torch.no_grad():
        image = pipe(run["prompt"], negative_prompt=run["negative"], num_inference_steps=run["steps"], guidance_scale=run["cfg"],
                     latents=latents, output_type="np", height=32, width=32).images
    # A second run from a seeded CPU generator with Euler ancestral, which also draws noise at every step.
    from diffusers import EulerAncestralDiscreteScheduler
    # from the saved JSON: from_config(sched.config) in memory loses timestep_spacing="leading"
    pipe.scheduler = EulerAncestralDiscreteScheduler.from_config(json.loads(sched.to_json_string()))
    assert pipe.scheduler.config.timestep_spacing == "leading"
    with torch.no_grad():
        seeded = pipe(run["prompt"], negative_prompt=run["negative"], num_inference_steps=5, guidance_scale=run["cfg"],
                      generator=torch.Generator("cpu").manual_seed(11), output_type="np", height=32, width=32).images
    save_file({"latents": latents, "image": torch.from_numpy(image).contiguous(),
               "image_seeded_euler_a": torch.from_numpy(seeded).contiguous()}, os.path.join(folder, "io.safetensors"),
              metadata={"run": json.dumps(run)})
    with open(os.path.join(folder, "scheduler_config.json"), "w") as f:
        f.write(sched.to_json_string())


def main():
    os.makedirs(OUT, exist_ok=True)
    clip_text("clip_text_quick_gelu", "quick_gelu")
    clip_text("clip_text_gelu", "gelu")
    unet("unet_tiny")
    unet("unet_tiny_linear", use_linear_projection=True, attention_head_dim=(2, 4))
    vae("vae_tiny")
    pipeline("pipeline_tiny")
    print("wrote model fixtures to", os.path.normpath(OUT))


if __name__ == "__main__":
    main()
