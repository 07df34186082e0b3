#!/usr/bin/env python3
"""Writes transformers' CLIPTokenizer output for 1000+ strings, for StrataModels' tokenizer test.

Development-time only (needs transformers): python3 scripts/make_tokenizer_fixtures.py
The tokenizer is built from Assets/clip-tokenizer (see make_clip_vocabulary.py) and run
as diffusers runs it: padding to 77, truncation.
"""
import json
import os
import random

from transformers import CLIPTokenizer

ROOT = os.path.join(os.path.dirname(__file__), "..")
OUT = os.path.join(ROOT, "Tests", "StrataModelsTests", "Fixtures", "tokenizer", "clip_tokenizer_cases.json")

WORDS = ("a dog jumping in a forest giraffe lying on beach cat sitting snow city at night moon mountains desert "
         "big small blue red photo of painting portrait highly detailed 4k octane render trending artstation "
         "don't it's we're they've I'm you'll she'd isn't café naïve résumé Zürich São Paulo straße").split()
UNICODE = ["日本語のテキスト", "中文字符", "한국어", "Ελληνικά", "Кириллица", "العربية", "עברית", "हिन्दी", "ไทย",
           "🐕", "🐈‍⬛", "👩‍👩‍👧", "🇯🇵", "✨", "❤️", "ﬁ ligature", "ＦＵＬＬ ｗｉｄｔｈ", "“curly quotes”", "‘single’",
           "e\u0301", "A\u030a", "İstanbul", "ΣΑΣ", "ß", "Ǆ", "µ", "\u00a0nbsp\u00a0", "tab\there", "new\nline",
           "ideographic\u3000space", "zero\u200bwidth", "soft\u00adhyphen", "<|startoftext|>", "<|endoftext|>", "a<|endoftext|>b",
           "12345", "3.14159", "1,000,000", "$100", "50%", "#hashtag", "@user", "C++", "e-mail", "x=y+z", "~~~", "...", "!!!?",
           "(parenthesised)", "[bracketed]", "{braced}", "path/to/file.png", "https://example.com", "'s 't 're", "rock'n'roll"]


def cases():
    rng = random.Random(20261123)
    out = ["", " ", "a", "A DOG", "  leading and trailing  ", "multiple     spaces", "\t\n\r mixed \x0b\x0c whitespace"]
    out += UNICODE
    while len(out) < 1000:
        kind = rng.random()
        n = rng.randint(1, 14)
        parts = []
        for _ in range(n):
            r = rng.random()
            if r < 0.6:
                w = rng.choice(WORDS)
                parts.append(w.upper() if rng.random() < 0.1 else (w.capitalize() if rng.random() < 0.15 else w))
            elif r < 0.8:
                parts.append(rng.choice(UNICODE))
            elif r < 0.9:
                parts.append(str(rng.randint(0, 10 ** rng.randint(1, 7))))
            else:
                parts.append("".join(rng.choice(",.;:!?'\"-_()[]*/\\&%") for _ in range(rng.randint(1, 4))))
        sep = rng.choice([" ", " ", " ", "  ", ", ", "\t", "\n", "\u00a0"])
        text = sep.join(parts)
        if kind < 0.05:
            text = " ".join([text] * rng.randint(8, 20))  # longer than 77 tokens
        out.append(text)
    return out


def main():
    tok = CLIPTokenizer.from_pretrained(os.path.join(ROOT, "Assets", "clip-tokenizer"))
    rows = []
    for text in cases():
        ids = tok(text, padding="max_length", max_length=77, truncation=True)["input_ids"]
        rows.append({"text": text, "ids": ids})
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w", encoding="utf-8") as f:  # one case per line
        f.write("[\n" + ",\n".join(json.dumps(r, ensure_ascii=False, separators=(",", ":")) for r in rows) + "\n]\n")
    print(len(rows), "strings written to", os.path.normpath(OUT))


if __name__ == "__main__":
    main()
