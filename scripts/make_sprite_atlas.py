#!/usr/bin/env python3
"""Build Strata's sprite atlas from the Noto Color Emoji font (development time only).

Each of the twelve animals is rendered once at 109 px (the only size the colour font
loads at), cropped to its alpha box and packed left to right into one RGBA PNG.
`Assets/sprites/atlas.json` records each sprite's box. Strata reads only these two
files at run time, never the font.

Needs: Pillow, Debian's fonts-noto-color-emoji.
    python3 scripts/make_sprite_atlas.py [--font PATH] [--out Assets/sprites]
"""
import argparse
import json
import os

from PIL import Image, ImageFont

ANIMALS = [
    ("dog", 0x1F415), ("cat", 0x1F408), ("giraffe", 0x1F992), ("horse", 0x1F40E),
    ("cow", 0x1F404), ("pig", 0x1F416), ("rabbit", 0x1F407), ("elephant", 0x1F418),
    ("turtle", 0x1F422), ("duck", 0x1F986), ("penguin", 0x1F427), ("sheep", 0x1F411),
]


def glyph(font, code_point):
    # getmask2 in RGBA mode gives the straight-alpha bitmap; ImageDraw.text would
    # composite over black and darken the anti-aliased edges.
    mask, _ = font.getmask2(chr(code_point), mode="RGBA")
    image = Image.new("RGBA", mask.size)._new(mask)
    box = image.getchannel("A").getbbox()
    return image.crop(box)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--font", default="/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf")
    parser.add_argument("--out", default="Assets/sprites")
    args = parser.parse_args()
    font = ImageFont.truetype(args.font, 109)
    sprites = [(name, glyph(font, cp)) for name, cp in ANIMALS]
    width = sum(s.width for _, s in sprites) + len(sprites) - 1
    height = max(s.height for _, s in sprites)
    atlas = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    boxes, x = [], 0
    for name, sprite in sprites:
        atlas.paste(sprite, (x, 0))
        boxes.append({"name": name, "x": x, "y": 0, "width": sprite.width, "height": sprite.height})
        x += sprite.width + 1
    os.makedirs(args.out, exist_ok=True)
    atlas.save(os.path.join(args.out, "atlas.png"), optimize=True)
    with open(os.path.join(args.out, "atlas.json"), "w") as f:
        json.dump({"source": "Noto Color Emoji 2.042 (Debian fonts-noto-color-emoji), rendered at 109 px",
                   "sprites": boxes}, f, indent=1)
        f.write("\n")
    print(f"atlas {width}x{height}, {len(sprites)} sprites")


if __name__ == "__main__":
    main()
