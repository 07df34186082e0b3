#!/usr/bin/env bash
# Development time: turns the training runs' last saves into the built-in model.
#   scripts/built-in-checkpoint.sh export DIR   writes a whole model folder to DIR (text
#       encoder and UNet from the weight average, the VAE decoder with the scaling factor
#       the UNet trained with), to evaluate it: strata eval generate --model DIR ...
#   scripts/built-in-checkpoint.sh install DIR  copies DIR's weights into
#       Assets/models/strata-sprites, remakes the diffusers fixture, and records the
#       steps in scripts/train-built-in-model.sh, so that training on a new machine goes
#       on from the committed weights.
set -euo pipefail
cd "$(dirname "$0")/.."
model=Assets/models/strata-sprites
field() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"; }
# A run's last save: checkpoint/ (or the run folder itself, for runs saved before that).
step() { if [ -f "$1/checkpoint/progress.json" ]; then field "$1/checkpoint/progress.json" step; else field "$1/progress.json" step; fi; }
case "${1:-}" in
export)
    out=${2:?output folder}
    swift build -c release --product strata > /dev/null
    bin=.build/release/strata
    $bin train export-vae --run .train/vae --out "$out.vae" --keep-scaling-factor .train/vae-export
    $bin train export-model --run .train/unet --vae "$out.vae" --out "$out"
    rm -rf "$out.vae"
    cp "$model/strata_edit.json" "$model/strata_generate.json" "$out/"
    echo "{\"unet_step\": $(step .train/unet), \"vae_step\": $(step .train/vae)}" > "$out/steps.json"
    echo "exported UNet step $(step .train/unet), VAE step $(step .train/vae) to $out"
    ;;
install)
    from=${2:?exported folder}
    for f in text_encoder/model.safetensors text_encoder/config.json unet/diffusion_pytorch_model.safetensors unet/config.json vae/diffusion_pytorch_model.safetensors vae/config.json; do
        cp "$from/$f" "$model/$f"
    done
    unet=$(field "$from/steps.json" unet_step)
    vae=$(field "$from/steps.json" vae_step)
    sed -i "s/^unet_step=.*/unet_step=$unet/; s/^vae_step=.*/vae_step=$vae/" scripts/train-built-in-model.sh
    python3 scripts/make_built_in_model_fixture.py
    echo "installed UNet step $unet, VAE step $vae; run the tests and update docs/built-in-model.md"
    ;;
*) echo "usage: $0 export DIR | install DIR" >&2; exit 2 ;;
esac
