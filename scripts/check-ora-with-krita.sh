#!/usr/bin/env bash
# Checks that Krita opens an OpenRaster file Strata wrote and that the image it exports
# (its own composite of the visible layers) equals Strata's result PNG. Development time:
# needs Debian's krita and xvfb (apt-get install -y --no-install-recommends krita xvfb xauth)
# and python3 with Pillow and numpy.
# Usage: scripts/check-ora-with-krita.sh RESULT.ora RESULT.png
set -euo pipefail
ora=$1 png=$2
out=$(mktemp --suffix=.png)
trap 'rm -f "$out"' EXIT
xvfb-run -a krita --export --export-filename "$out" "$ora" > /dev/null 2>&1
python3 - "$out" "$png" <<'PY'
import sys
import numpy as np
from PIL import Image
a = np.asarray(Image.open(sys.argv[1]).convert("RGBA")).astype(int)
b = np.asarray(Image.open(sys.argv[2]).convert("RGBA")).astype(int)
assert a.shape == b.shape, (a.shape, b.shape)
d = np.abs(a - b).max()
print(f"Krita's export of {sys.argv[2].replace('.png', '.ora')}: {a.shape[1]}x{a.shape[0]}, largest difference from Strata's result {d}/255")
sys.exit(0 if d <= 1 else 1)
PY
