#!/usr/bin/env python3
"""Writes the PyTorch reference fixtures for StrataTensor's operation tests.

Development-time only: `python3 scripts/make_tensor_fixtures.py` (needs torch and
safetensors) rewrites Tests/StrataTensorTests/Fixtures/ops/*.safetensors. Each file
holds the inputs (in0, in1, ...), the output (out), an upstream gradient (gout) and the
gradient of every floating-point input (grad_in0, ...). Settings go in the metadata.
"""
import json
import math
import os

import torch
import torch.nn.functional as F
from safetensors.torch import save_file

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "StrataTensorTests", "Fixtures", "ops")
torch.manual_seed(20261123)


def rnd(*shape, scale=1.0, offset=0.0):
    return (torch.randn(tuple(shape), dtype=torch.float64) * scale + offset).float()


def save(name, inputs, fn, settings=None, extra=None):
    """inputs: list of tensors; floating ones get gradients. extra: constant tensors saved as-is."""
    leaves = [t.clone().requires_grad_(t.is_floating_point()) for t in inputs]
    out = fn(*leaves)
    gout = rnd(*out.shape)
    out.backward(gout)
    tensors = {"out": out.detach().clone().contiguous(), "gout": gout.clone()}
    for i, (t, leaf) in enumerate(zip(inputs, leaves)):
        tensors[f"in{i}"] = t.contiguous()
        if leaf.requires_grad:
            tensors[f"grad_in{i}"] = leaf.grad.clone().contiguous()
    for k, v in (extra or {}).items():
        tensors[k] = v.contiguous()
    meta = {"settings": json.dumps(settings or {})}
    save_file(tensors, os.path.join(OUT, f"{name}.safetensors"), metadata=meta)


def timestep_embedding(timesteps, dim, flip_sin_to_cos=True, downscale_freq_shift=0.0, scale=1.0, max_period=10000):
    # diffusers.models.embeddings.get_timestep_embedding, written out
    half = dim // 2
    exponent = -math.log(max_period) * torch.arange(0, half, dtype=torch.float32)
    exponent = exponent / (half - downscale_freq_shift)
    emb = torch.exp(exponent)
    emb = timesteps[:, None].float() * emb[None, :]
    emb = scale * emb
    emb = torch.cat([torch.sin(emb), torch.cos(emb)], dim=-1)
    if flip_sin_to_cos:
        emb = torch.cat([emb[:, half:], emb[:, :half]], dim=-1)
    if dim % 2 == 1:
        emb = F.pad(emb, (0, 1, 0, 0))
    return emb


def main():
    os.makedirs(OUT, exist_ok=True)
    a, b = rnd(2, 3, 4, 5), rnd(1, 3, 1, 5)
    save("add", [a, b], lambda x, y: x + y)
    save("sub", [a, rnd(4, 1)], lambda x, y: x - y)
    save("mul", [a, rnd(3, 1, 1)], lambda x, y: x * y)
    save("div", [a, rnd(1, 3, 4, 1).abs() + 0.5], lambda x, y: x / y)
    save("affine", [a], lambda x: x * 1.5 - 0.25, {"scale": 1.5, "shift": -0.25})

    save("matmul", [rnd(2, 3, 4, 5), rnd(5, 6)], lambda x, y: x @ y)
    save("bmm", [rnd(2, 3, 4, 5), rnd(2, 3, 5, 6)], lambda x, y: x @ y)
    save("linear", [rnd(3, 4, 7), rnd(5, 7), rnd(5)], lambda x, w, b: F.linear(x, w, b))
    save("linear_nobias", [rnd(6, 7), rnd(5, 7)], lambda x, w: F.linear(x, w))

    convs = [
        ("conv3x3", (2, 3, 8, 8), (4, 3, 3, 3), 1, 1),
        ("conv1x1", (2, 5, 6, 7), (3, 5, 1, 1), 1, 0),
        ("conv3x3_stride2", (2, 3, 9, 8), (4, 3, 3, 3), 2, 1),
        ("conv5x3_pad2", (1, 2, 7, 6), (3, 2, 5, 3), 1, 2),
        ("conv4x4_stride3_pad0", (2, 2, 11, 10), (3, 2, 4, 4), 3, 0),
    ]
    for name, xs, ws, s, p in convs:
        save(name, [rnd(*xs), rnd(*ws, scale=0.3), rnd(ws[0])],
             lambda x, w, bb, s=s, p=p: F.conv2d(x, w, bb, stride=s, padding=p), {"stride": s, "padding": p})

    save("upsample_nearest2x", [rnd(2, 3, 4, 5)], lambda x: F.interpolate(x, scale_factor=2.0, mode="nearest"))
    save("group_norm", [rnd(2, 8, 4, 4, offset=3.0), rnd(8, offset=1.0), rnd(8)],
         lambda x, w, bb: F.group_norm(x, 4, w, bb, eps=1e-5), {"groups": 4, "eps": 1e-5})
    save("group_norm_plain", [rnd(2, 6, 3, 5)], lambda x: F.group_norm(x, 2, eps=1e-6), {"groups": 2, "eps": 1e-6})
    save("layer_norm", [rnd(2, 5, 16, offset=-2.0), rnd(16, offset=1.0), rnd(16)],
         lambda x, w, bb: F.layer_norm(x, (16,), w, bb, eps=1e-5), {"eps": 1e-5})
    save("softmax", [rnd(3, 4, 37, scale=3.0)], lambda x: torch.softmax(x, dim=-1))
    act = rnd(4, 67, scale=2.5)
    save("gelu_erf", [act], lambda x: F.gelu(x))
    save("gelu_tanh", [act], lambda x: F.gelu(x, approximate="tanh"))
    save("silu", [act], F.silu)
    save("sigmoid", [act], torch.sigmoid)
    save("quick_gelu", [act], lambda x: x * torch.sigmoid(1.702 * x))
    save("exp", [rnd(3, 41, scale=3.0)], torch.exp)
    save("clamp", [rnd(3, 41, scale=3.0)], lambda x: x.clamp(-1.5, 2.0), {"low": -1.5, "high": 2.0})
    save("pad", [rnd(2, 3, 4, 5)], lambda x: F.pad(x, (0, 1, 2, 1)), {"left": 0, "right": 1, "top": 2, "bottom": 1})

    def geglu(x):
        h, gate = x.chunk(2, dim=-1)
        return h * F.gelu(gate)
    save("geglu", [rnd(2, 5, 38, scale=2.0)], geglu)

    s = rnd(2, 3, 4, 5)
    save("sum_axes", [s], lambda x: x.sum(dim=(1, 3)), {"axes": [1, 3], "keepDims": False})
    save("mean_keep", [s], lambda x: x.mean(dim=(0, 2), keepdim=True), {"axes": [0, 2], "keepDims": True})
    save("sum_all", [s], lambda x: x.sum(), {"axes": [], "keepDims": False})
    save("reshape", [s], lambda x: x.reshape(6, 20), {"shape": [6, 20]})
    save("permute", [s], lambda x: x.permute(0, 2, 3, 1), {"order": [0, 2, 3, 1]})
    save("concat", [s, rnd(2, 2, 4, 5)], lambda x, y: torch.cat([x, y], dim=1), {"axis": 1})
    save("slice", [s], lambda x: x[:, :, 1:3, :], {"axis": 2, "start": 1, "end": 3})
    save("split_second", [s], lambda x: torch.split(x, [2, 3], dim=3)[1], {"axis": 3, "sizes": [2, 3], "index": 1})

    idx = torch.tensor([[1, 7, 3, 1], [0, 9, 9, 2]], dtype=torch.int64)
    save("embedding", [rnd(10, 6), idx], lambda w, i: F.embedding(i, w))

    pred, target = rnd(2, 4, 4, 4), rnd(2, 4, 4, 4)
    mask = (torch.rand(2, 1, 4, 4) > 0.4).float()
    save("masked_mse", [pred, target, mask], lambda p, t, m: F.mse_loss(p * m, t * m))

    ts = torch.tensor([1.0, 250.0, 999.0, 37.5])
    save("timestep_embedding", [ts], lambda t: timestep_embedding(t, 32), {"dim": 32})
    save("timestep_embedding_noflip", [ts], lambda t: timestep_embedding(t, 17, flip_sin_to_cos=False, downscale_freq_shift=1.0),
         {"dim": 17, "flip": False, "shift": 1.0})

    q, k, v = rnd(2, 2, 37, 8), rnd(2, 2, 53, 8), rnd(2, 2, 53, 6)
    save("attention", [q, k, v], lambda q, k, v: F.scaled_dot_product_attention(q, k, v), {"causal": False})
    qc, kc, vc = rnd(1, 3, 17, 8), rnd(1, 3, 17, 8), rnd(1, 3, 17, 8)
    save("attention_causal", [qc, kc, vc], lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True), {"causal": True})

    # Adam and AdamW: a few steps on a fixed quadratic, parameters after each run.
    for name, opt_cls, kw in [("adam", torch.optim.Adam, {"lr": 1e-2}), ("adamw", torch.optim.AdamW, {"lr": 1e-2, "weight_decay": 0.1})]:
        p0 = rnd(5, 3)
        targets = [rnd(5, 3) for _ in range(4)]
        p = p0.clone().requires_grad_(True)
        opt = opt_cls([p], **kw)
        for t in targets:
            opt.zero_grad()
            loss = ((p - t) ** 2).sum()
            loss.backward()
            opt.step()
        tensors = {"p0": p0, "p_final": p.detach().clone()}
        for i, t in enumerate(targets):
            tensors[f"target{i}"] = t
        save_file(tensors, os.path.join(OUT, f"{name}.safetensors"), metadata={"settings": json.dumps(kw)})

    # fp16 and bf16 rounding of awkward values (ties, subnormals, overflow), as bit patterns.
    vals = torch.cat([rnd(200, scale=100.0), rnd(50, scale=1e-6), torch.tensor([65520.0, 1e6, -1e-8, 0.0, -0.0, 1.0 + 2.0**-11, 1.0 + 3 * 2.0**-11,
                                                                  1.0 + 2.0**-8, 1.0 + 3 * 2.0**-8, float("inf"), -float("inf")])])
    save_file({"values": vals, "fp16_bits": vals.half().view(torch.int16).to(torch.int32),
               "bf16_bits": vals.bfloat16().view(torch.int16).to(torch.int32)}, os.path.join(OUT, "half_precision.safetensors"))

    # PyTorch's CPU generator: torch.manual_seed(seed) then torch.randn(n), several sizes
    # (below 16, a multiple of 16, with a tail) and a seed above 2**32.
    rng = {}
    for seed in [0, 42, 2**32 + 5]:
        for n in [1, 2, 7, 15, 16, 17, 33, 1000, 4 * 16 * 16]:
            torch.manual_seed(seed)
            rng[f"seed{seed}_n{n}"] = torch.randn(n)
    torch.manual_seed(7)
    a, b = torch.randn(5), torch.randn(20)  # consecutive draws from one generator
    rng["seq_a"], rng["seq_b"] = a, b
    save_file(rng, os.path.join(OUT, "torch_randn.safetensors"))
    torch.manual_seed(20261123)

    print("wrote", len(os.listdir(OUT)), "fixtures to", os.path.normpath(OUT))


if __name__ == "__main__":
    main()
