#!/usr/bin/env python3
"""diffusers in eager mode on the shapes `archival-bench sd15` and `archival-bench sd35` time.

The peer of the engine's benchmark: the same full-size architectures with random weights
(built from the published configs the fixtures' manifests hold, nothing downloaded), the same
batch, size, steps and CFG doubling, timed stage by stage with the device synchronised around
each stage. It prints the engine bench's labels, so packaging/gpu-check.sh can put the two
side by side:

    python3 app/bench/diffusers_eager.py sd15 --manifests DIR --device cuda --dtype fp16
    python3 app/bench/diffusers_eager.py sd35 --manifests DIR --device cuda --dtype bf16 --layers 2

Figures only: no test depends on them.
"""

import argparse
import json
import os
import platform
import sys
import time

import torch

DTYPES = {"fp32": torch.float32, "fp16": torch.float16, "bf16": torch.bfloat16}


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def config(manifests, name):
    with open(os.path.join(manifests, name)) as f:
        return {k: v for k, v in json.load(f).items() if not k.startswith("_")}


def timed(device, fn):
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    start = time.perf_counter()
    out = fn()
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    return time.perf_counter() - start, out


def header(what, args, device, dtype):
    import diffusers

    print(f"host: {cpu_model()}, {torch.get_num_threads()} threads")
    gpu = torch.cuda.get_device_name(device) if device.type == "cuda" else "-"
    print(f"{what}, diffusers {diffusers.__version__} eager, torch {torch.__version__}, "
          f"{args.width}x{args.height}, batch {args.batch} (x2 with CFG), {args.steps} steps, "
          f"{device} {dtype} (GPU: {gpu})")


def sd15(args, device, dtype):
    from diffusers import AutoencoderKL, UNet2DConditionModel

    header("SD 1.5 UNet + VAE", args, device, dtype)
    torch.manual_seed(1)
    unet = UNet2DConditionModel.from_config(config(args.manifests, "sd15_unet.config.json"))
    vae = AutoencoderKL.from_config(config(args.manifests, "sd15_vae.config.json"))
    unet = unet.to(device, dtype).eval()
    vae = vae.to(device, dtype).eval()
    b2 = 2 * args.batch
    embeds = torch.randn(b2, 77, unet.config.cross_attention_dim, device=device, dtype=dtype)
    x = torch.randn(args.batch, 4, args.height // 8, args.width // 8, device=device, dtype=dtype)
    steps = []
    with torch.inference_mode():
        for s in range(args.steps):
            t = torch.tensor(999 - s * 50, device=device)

            def step():
                out = unet(torch.cat([x, x]), t, encoder_hidden_states=embeds).sample
                u, c = out.chunk(2)
                return x - 0.01 * (u + 7.5 * (c - u))

            seconds, x = timed(device, step)
            steps.append(seconds)
        decode, image = timed(device, lambda: vae.decode(x / vae.config.scaling_factor).sample)
    print(f"UNet step with CFG             {min(steps):.3f} s (mean of {len(steps)}: "
          f"{sum(steps) / len(steps):.3f} s; first includes warm-up)")
    print(f"VAE decode                     {decode:.3f} s -> {list(image.shape)}")


def sd35(args, device, dtype):
    from diffusers import AutoencoderKL, SD3Transformer2DModel

    header("SD 3.5 Large MMDiT + VAE", args, device, dtype)
    torch.manual_seed(1)
    tc = config(args.manifests, "sd35_large_transformer.config.json")
    full = tc["num_layers"]
    layers = min(args.layers, full) if args.layers > 0 else full
    tc["num_layers"] = layers
    print(f"transformer layers {layers} of {full}")
    mmdit = SD3Transformer2DModel.from_config(tc).to(device, dtype).eval()
    vae = AutoencoderKL.from_config(config(args.manifests, "sd3_vae.config.json"))
    vae = vae.to(device, dtype).eval()
    b2 = 2 * args.batch
    embeds = torch.randn(b2, 77 + 256, tc["joint_attention_dim"], device=device, dtype=dtype)
    pooled = torch.randn(b2, tc["pooled_projection_dim"], device=device, dtype=dtype)
    x = torch.randn(args.batch, 16, args.height // 8, args.width // 8, device=device, dtype=dtype)
    steps = []
    with torch.inference_mode():
        for s in range(args.steps):
            t = torch.full((b2,), 1000.0 - s * 100.0, device=device)

            def step():
                out = mmdit(hidden_states=torch.cat([x, x]), encoder_hidden_states=embeds,
                            pooled_projections=pooled, timestep=t).sample
                u, c = out.chunk(2)
                return x - 0.01 * (u + 7.5 * (c - u))

            seconds, x = timed(device, step)
            steps.append(seconds)
        sf, shift = vae.config.scaling_factor, vae.config.shift_factor or 0.0
        decode, image = timed(device, lambda: vae.decode(x / sf + shift).sample)
    best = min(steps)
    print(f"MMDiT step with CFG ({layers:2d} layers)  {best:.3f} s ({best / layers:.3f} s per "
          f"layer -> {best / layers * full:.2f} s for {full})")
    print(f"VAE decode                       {decode:.3f} s -> {list(image.shape)}")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("model", choices=["sd15", "sd35"])
    p.add_argument("--manifests", required=True, help="the fixtures' manifests/ folder")
    p.add_argument("--device", default="cuda")
    p.add_argument("--dtype", default="fp16", choices=sorted(DTYPES))
    p.add_argument("--width", type=int, default=512)
    p.add_argument("--height", type=int, default=512)
    p.add_argument("--steps", type=int, default=3)
    p.add_argument("--batch", type=int, default=1)
    p.add_argument("--layers", type=int, default=0, help="SD 3.5: transformer layers (0: all)")
    args = p.parse_args()
    device = torch.device(args.device)
    if device.type == "cuda":
        # As verify does: no TF32 in fp32, so fp32 figures are true fp32 on both sides.
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
    (sd15 if args.model == "sd15" else sd35)(args, device, DTYPES[args.dtype])
    return 0


if __name__ == "__main__":
    sys.exit(main())
