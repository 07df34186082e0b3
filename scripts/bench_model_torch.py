# The PyTorch side of `strata bench unet|vae|clip`: the same model built by diffusers or
# transformers from the same config, timed the same way, in a process of its own that
# exits before Strata's side starts (both sides at SD 1.5 size do not fit in memory).
import json, resource, statistics, sys, time
import torch
req = json.loads(sys.argv[1])
torch.set_num_threads(req["threads"])
torch.manual_seed(0)
kind, mode, b = req["kind"], req["mode"], req["batch"]
cfg = req["config"]
if kind == "unet":
    from diffusers import UNet2DConditionModel
    model = UNet2DConditionModel(**cfg)
    if mode == "train" and req["checkpointing"]:
        model.enable_gradient_checkpointing()
    n = req["latent"]
    x = torch.randn(b, cfg["in_channels"], n, n); t = torch.full((b,), 999); ctx = torch.randn(b, 77, cfg["cross_attention_dim"])
    run = lambda: model(x, t, encoder_hidden_states=ctx).sample
elif kind == "vae":
    from diffusers import AutoencoderKL
    model = AutoencoderKL(**cfg)
    n = req["size"]; f = 2 ** (len(cfg["block_out_channels"]) - 1)
    if mode == "train":
        img = torch.rand(b, cfg.get("in_channels", 3), n, n) * 2 - 1
        run = lambda: model.decode(model.encode(img).latent_dist.sample()).sample
    else:
        z = torch.randn(b, cfg["latent_channels"], n // f, n // f)
        run = lambda: model.decode(z).sample
else:
    from transformers import CLIPTextConfig, CLIPTextModel
    model = CLIPTextModel(CLIPTextConfig(**cfg))
    ids = torch.randint(0, cfg["vocab_size"], (b, 77))
    run = lambda: model(ids).last_hidden_state
if mode == "train":
    model.train()
    opt = torch.optim.Adam(model.parameters(), lr=1e-5)
    def work():
        out = run()
        loss = torch.nn.functional.mse_loss(out, torch.zeros_like(out))
        loss.backward(); opt.step(); opt.zero_grad(set_to_none=True)
else:
    model.eval()
    def work():
        with torch.no_grad():
            run()
times = []
work()  # warm-up
for _ in range(req["runs"]):
    t0 = time.perf_counter(); work(); times.append((time.perf_counter() - t0) * 1000)
print(json.dumps({"torch_version": torch.__version__, "ms": statistics.median(times),
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
