#!/usr/bin/env bash
# Installs the Debian packages Strata needs, when any is missing (run as root).
set -euo pipefail
packages=(libopenblas-dev libpng-dev pkg-config libncursesw5-dev libchafa-dev libglib2.0-dev ncurses-term)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing: ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" > /dev/null
fi
