#!/usr/bin/env bash
# Resumes the built-in model's training runs in the background (development time):
# the VAE decoder (encoder frozen) and the text encoder + UNet, one thread each, logs in
# .train/*.out. Each run saves every few hundred steps and on SIGTERM/Ctrl-C, so
# `pkill -TERM -f 'strata train'` stops them without losing work. See
# docs/built-in-model.md for the recipe and how the runs were started.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product strata
mkdir -p .train
# Copy then rename: a running trainer keeps its old binary file open.
cp .build/release/strata .train/strata-bin.new && mv .train/strata-bin.new .train/strata-bin
[ -f .train/vae-export/config.json ] || { echo "no .train/vae-export: export the VAE first (docs/built-in-model.md)" >&2; exit 2; }
nohup .train/strata-bin train vae --run .train/vae --freeze-encoder --steps 100000 --batch 16 --threads 1 >> .train/vae.out 2>&1 &
nohup .train/strata-bin train unet --run .train/unet --vae .train/vae-export --dataset 40000 --lr 2e-4 --threads 1 >> .train/unet.out 2>&1 &
echo "training in the background; follow with: tail -f .train/vae.out .train/unet.out"
