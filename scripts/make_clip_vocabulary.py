#!/usr/bin/env python3
"""Derives the CLIP BPE vocabulary (vocab.json, merges.txt, tokenizer_config.json) from open_clip's
bpe_simple_vocab_16e6.txt.gz into Assets/clip-tokenizer/, in the layout of a diffusers
`tokenizer/` folder, with open_clip's MIT licence beside it.

Development-time only: pip install open_clip_torch, then
    python3 scripts/make_clip_vocabulary.py
The construction is OpenAI's SimpleTokenizer's: 256 byte symbols, the same with </w>,
one token per merge (the first 48 894 merges), then the two special tokens: 49 408 tokens.
"""
import gzip
import json
import os
import shutil

import open_clip

OUT = os.path.join(os.path.dirname(__file__), "..", "Assets", "clip-tokenizer")


def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


def main():
    pkg = os.path.dirname(open_clip.__file__)
    lines = gzip.open(os.path.join(pkg, "bpe_simple_vocab_16e6.txt.gz")).read().decode("utf-8").split("\n")
    merges = [tuple(m.split()) for m in lines[1:49152 - 256 - 2 + 1]]
    vocab = list(bytes_to_unicode().values())
    vocab = vocab + [v + "</w>" for v in vocab]
    vocab += ["".join(m) for m in merges]
    vocab += ["<|startoftext|>", "<|endoftext|>"]
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "vocab.json"), "w", encoding="utf-8") as f:
        json.dump({t: i for i, t in enumerate(vocab)}, f, ensure_ascii=False)
    with open(os.path.join(OUT, "merges.txt"), "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n")
        for a, b in merges:
            f.write(f"{a} {b}\n")
    with open(os.path.join(OUT, "tokenizer_config.json"), "w") as f:
        json.dump({"tokenizer_class": "CLIPTokenizer", "model_max_length": 77, "do_lower_case": True,
                   "bos_token": "<|startoftext|>", "eos_token": "<|endoftext|>", "pad_token": "<|endoftext|>",
                   "unk_token": "<|endoftext|>"}, f, indent=2)
    lic = os.path.join(pkg, "..", f"open_clip_torch-{open_clip.__version__}.dist-info", "licenses", "LICENSE")
    shutil.copy(lic, os.path.join(OUT, "LICENSE-open_clip"))
    with open(os.path.join(OUT, "NOTICE"), "w") as f:
        f.write("vocab.json and merges.txt are derived from open_clip's bpe_simple_vocab_16e6.txt.gz\n"
                f"(open_clip_torch {open_clip.__version__}, MIT licence, LICENSE-open_clip) by scripts/make_clip_vocabulary.py.\n")
    print("vocabulary of", len(vocab), "tokens written to", os.path.normpath(OUT))


if __name__ == "__main__":
    main()
