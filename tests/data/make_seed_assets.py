#!/usr/bin/env python3
"""Makes the assets of tests/data/programs-seed-tiny.json, deterministically.

  assets/malaya.png               the fixed source image of P2/P2B (small, RGB)
  assets/chuamiatee.safetensors   a LoRA for P3/P3B that fits the tiny SD3 fixture model
                                  (diffusers/PEFT keys `transformer.<module>.lora_A/B.weight`)

Only the standard library is used, so the files come out byte for byte the same wherever the
script runs. The LoRA's shapes are read from the fixture model's transformer config, never
assumed:

  python3 tests/data/make_seed_assets.py [--fixtures DIR] [--out DIR]
      --fixtures  default: $ARCHIVAL_FIXTURES;  --out  default: tests/data/assets

The test seed_assets_reproducible makes them again into a temporary folder and compares.
"""

import argparse
import json
import os
import random
import struct
import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent
SEED = 20250701  # fixed: the committed files are this script's output
RANK = 4


def png(width, height, rows):
    """A plain 8-bit RGB PNG from rows of (r, g, b) tuples."""

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = b"".join(b"\0" + bytes(c for px in row for c in px) for row in rows)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) +
            chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def source_image(rng, width=96, height=80):
    """Soft colour bands with noise: enough structure that image-to-image visibly keeps it."""
    rows = []
    for y in range(height):
        row = []
        for x in range(width):
            r = 60 + (140 * x) // width + rng.randrange(24)
            g = 90 + (100 * y) // height + rng.randrange(24)
            b = 40 + ((x // 12 + y // 10) % 2) * 110 + rng.randrange(24)
            row.append((min(r, 255), min(g, 255), min(b, 255)))
        rows.append(row)
    return png(width, height, rows)


def safetensors(tensors, metadata):
    """tensors: name -> (shape, list of floats), stored as little-endian float32."""
    header = {"__metadata__": metadata}
    blobs = []
    offset = 0
    for name in sorted(tensors):
        shape, values = tensors[name]
        blob = struct.pack("<%df" % len(values), *values)
        header[name] = {"dtype": "F32", "shape": shape,
                        "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)  # the format pads the header to 8 bytes
    return struct.pack("<Q", len(text)) + text + b"".join(blobs)


def sd3_lora(rng, config):
    """Attention projections of every joint block (present in the last block too, which
    has no context output): strong enough that the image visibly changes at scale 1.0."""
    inner = config["num_attention_heads"] * config["attention_head_dim"]
    tensors = {}
    for block in range(config["num_layers"]):
        for module in ("attn.to_q", "attn.to_k", "attn.to_v", "attn.to_out.0"):
            base = "transformer.transformer_blocks.%d.%s" % (block, module)
            down = [rng.gauss(0.0, 0.5) for _ in range(RANK * inner)]
            up = [rng.gauss(0.0, 0.5) for _ in range(inner * RANK)]
            tensors[base + ".lora_A.weight"] = ([RANK, inner], down)
            tensors[base + ".lora_B.weight"] = ([inner, RANK], up)
    return tensors


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fixtures", default=os.environ.get("ARCHIVAL_FIXTURES"))
    parser.add_argument("--out", default=str(HERE / "assets"))
    args = parser.parse_args()
    if not args.fixtures:
        parser.error("give --fixtures or set ARCHIVAL_FIXTURES")
    config_path = Path(args.fixtures) / "models/sd3-tiny-pipe/transformer/config.json"
    config = json.loads(config_path.read_text())

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(SEED)
    (out / "malaya.png").write_bytes(source_image(rng))
    lora = sd3_lora(rng, config)
    (out / "chuamiatee.safetensors").write_bytes(
        safetensors(lora, {"format": "pt", "made_by": "tests/data/make_seed_assets.py"}))
    print("wrote", out / "malaya.png", "and", out / "chuamiatee.safetensors",
          "(%d tensors)" % len(lora))


if __name__ == "__main__":
    main()
