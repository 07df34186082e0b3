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


def main():
    os.makedirs(OUT, exist_ok=True)
    clip_text("clip_text_quick_gelu", "quick_gelu")
    clip_text("clip_text_gelu", "gelu")
    print("wrote model fixtures to", os.path.normpath(OUT))


if __name__ == "__main__":
    main()
