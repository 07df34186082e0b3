#!/usr/bin/env bash
# Resumes the built-in model's training runs in the background (development time):
# the VAE decoder (encoder frozen) and the text encoder + UNet, one thread each, logs in
# .train/*.out. Each run saves every few hundred steps and on SIGTERM/Ctrl-C, so
# `pkill -TERM -f 'strata train'` stops them without losing work. See
# docs/built-in-model.md for the recipe and how the runs were started.
#
#   scripts/train-built-in-model.sh [both|unet|vae] [OPTION...]
# `unet` or `vae` runs that part alone on both cores (the UNet trains about 3.5 times
# faster alone: ~100 samples/s against ~28 beside the VAE run); options after the part
# go to its `strata train` command, e.g. `unet --lr-decay-steps 5000` for a cool-down.
set -euo pipefail
part=${1:-both}
[ $# -gt 0 ] && shift
case "$part" in both) threads=1 ;; unet|vae) threads=2 ;; *) echo "unknown part '$part': both, unet or vae" >&2; exit 2 ;; esac
[ "$part" = both ] && [ $# -gt 0 ] && { echo "options go to one part: name unet or vae" >&2; exit 2; }
cd "$(dirname "$0")/.."
swift build -c release --product strata
mkdir -p .train
# Copy then rename: a running trainer keeps its old binary file open.
cp .build/release/strata .train/strata-bin.new && mv .train/strata-bin.new .train/strata-bin
# The steps the committed model's parts were trained to: when the run folders are gone
# (a new machine), the runs go on from the committed weights at these steps.
model=Assets/models/strata-sprites
unet_step=45851
vae_step=19000
unet_start=() vae_start=()
if [ ! -d .train/unet ] && [ ! -d .train/vae ]; then
    echo "no run folders: going on from $model (UNet step $unet_step, VAE decoder step $vae_step)" >&2
    rm -rf .train/vae-export && cp -r "$model/vae" .train/vae-export
    unet_start=(--start-from "$model" --start-step "$unet_step")
    vae_start=(--start-from "$model/vae" --start-step "$vae_step")
fi
[ -f .train/vae-export/config.json ] || { echo "no .train/vae-export: export the VAE first (docs/built-in-model.md)" >&2; exit 2; }
if [ "$part" != unet ]; then
    nohup .train/strata-bin train vae --run .train/vae --freeze-encoder --steps 100000 --batch 16 --lr 1e-4 --threads $threads \
        "${vae_start[@]}" "$@" >> .train/vae.out 2>&1 &
fi
# A fifth of the UNet's samples are conditioned on a mix of subject and place encodings,
# the conditioning an edit samples from (raised from a tenth at step 16,091: edits drew
# noisy scenes from the mix with or without fine-tuning, docs/results.md). The scene
# cache grew from 40,000 to 200,000 at step 27,119: on 40,000 the loss fell and the
# drawings did not get better (docs/built-in-model.md). Min-SNR-5 loss weighting from
# step 29,400; the UNet grew cross-attention at its 4×4 level at step 31,869; from step
# 36,400 each error is also weighted by min(1/ᾱ_t, 5), toward the noisiest steps. The
# committed model (step 45,851) was trained so; a run from step 46,260 that weighed the
# subject's latent cells 5 times (`unet --sprite-weight 5`) did not improve edits and was
# not committed (docs/built-in-model.md).
if [ "$part" != vae ]; then
    nohup .train/strata-bin train unet --run .train/unet --vae .train/vae-export --dataset 200000 --lr 1e-4 --mixed-captions 0.2 --min-snr-gamma 5 --velocity-weight-cap 5 \
        --threads $threads "${unet_start[@]}" "$@" >> .train/unet.out 2>&1 &
fi
echo "training in the background; follow with: tail -f .train/vae.out .train/unet.out"
