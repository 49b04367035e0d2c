#!/usr/bin/env python3
"""Measures the reference libraries' own bfloat16 error on component goldens.

The bf16 rule for the engine: its bf16 error against a float32 golden is at most 1.5x the
error of the reference's own bf16 run on the same golden. This script makes the reference
runs on the fixtures' model folders, in bfloat16 and in float32 on the CPU (one thread), and
writes the largest absolute difference against each golden: Hugging Face transformers for
the T5 encoder (the library diffusers loads text encoders with), diffusers for the SD3
transformer. test_t5_encoder and test_sd3_transformer read the result.

Run it in its own virtual environment (never the studio's), e.g.
    python3 -m venv <peer-venv>
    <peer-venv>/bin/pip install torch transformers==4.46.3 diffusers==0.31.0 sentencepiece
    <peer-venv>/bin/python tests/peers/bf16/measure_bf16_peer.py \
        --fixtures ../shared/fixtures --out tests/data/bf16_peer_errors.json
"""
import argparse
import glob
import hashlib
import json
import os
import struct
import sys

import torch


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + n])
    body = data[8 + n :]
    dtypes = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16, "I64": torch.int64}
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        tensors[name] = torch.frombuffer(bytearray(body[start:end]), dtype=dtypes[info["dtype"]]).reshape(
            info["shape"]
        )
    return tensors, header.get("__metadata__", {})


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--fixtures", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    torch.set_num_threads(1)
    import transformers
    from transformers import T5EncoderModel

    results = {
        "note": "max |a-b| of the reference library's run against the float32 golden, per dtype "
        "(transformers / diffusers on the CPU, one thread). The engine's bf16 error must stay within 1.5x the "
        "bf16 value.",
        "command": "python3 tests/peers/bf16/measure_bf16_peer.py --fixtures <fixtures> --out "
        "tests/data/bf16_peer_errors.json",
        "peer": {"transformers": transformers.__version__, "torch": torch.__version__},
        "goldens": {},
    }
    def measure(golden_rel, load, run, tensor):
        golden_path = os.path.join(args.fixtures, golden_rel)
        golden, meta = read_safetensors(golden_path)
        model_dir = os.path.join(args.fixtures, meta["model"])
        entry = {"sha256": sha256(golden_path), "model": meta["model"], "max_abs": {}}
        for name, dtype in (("float32", torch.float32), ("bfloat16", torch.bfloat16)):
            model = load(model_dir, dtype).eval()
            with torch.no_grad():
                out = run(model, golden, dtype)
            diff = (out.float() - golden[tensor]).abs().max().item()
            entry["max_abs"][name] = {tensor: diff}
            print(f"{golden_rel} {name}: max|diff| {diff:.6g}", file=sys.stderr)
        entry["peak"] = golden[tensor].abs().max().item()
        results["goldens"][golden_rel] = entry

    measure(
        "golden/t5_tiny.safetensors",
        lambda d, dtype: T5EncoderModel.from_pretrained(d, torch_dtype=dtype),
        lambda m, g, dtype: m(input_ids=g["input_ids"]).last_hidden_state,
        "last_hidden_state",
    )

    import diffusers
    from diffusers import SD3Transformer2DModel

    results["peer"]["diffusers"] = diffusers.__version__
    for path in sorted(glob.glob(os.path.join(args.fixtures, "golden", "sd3_transformer*.safetensors"))):
        if path.endswith("_intermediates.safetensors"):
            continue
        measure(
            os.path.relpath(path, args.fixtures),
            lambda d, dtype: SD3Transformer2DModel.from_pretrained(d, torch_dtype=dtype),
            lambda m, g, dtype: m(
                hidden_states=g["hidden_states"].to(dtype),
                encoder_hidden_states=g["encoder_hidden_states"].to(dtype),
                pooled_projections=g["pooled_projections"].to(dtype),
                timestep=g["timestep"],
            ).sample,
            "out",
        )
    with open(args.out, "w") as f:
        json.dump(results, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
