#!/usr/bin/env python3
"""The engine beside its peers on the CPU: one markdown table with ratios engine/peer.

For each configuration (SD 1.5 UNet step with CFG and VAE decode at 256² and 512², the SD 3.5
Large MMDiT with 2 layers and CFG) it runs, one after another, on the same shapes with the same
thread count:

* the engine: `archival-bench sd15|sd35 --json` in fp32 and in bf16;
* diffusers fp32, and diffusers with bf16 autocast (fp32 weights, `torch.autocast("cpu",
  torch.bfloat16)`), eager;
* OpenVINO f32 and bf16: the same diffusers modules converted with `openvino.convert_model`,
  compiled with `INFERENCE_PRECISION_HINT` f32 / bf16.

Every model is built from the reference configs in the fixtures' manifests with random weights
(nothing is downloaded). Each side times `--warmup` runs it throws away, then `--runs` it takes
the median of. Each side runs in its own process (memory of one does not weigh on the next);
with `--lock FILE` each configuration is measured holding an exclusive flock on FILE, so that
no build that takes the same lock runs beside it (and all sides of a configuration see the
same machine).

Run it with the peers' environment (app/bench/peers/make_venv.sh; app/bench/compare.sh does
both):
    .peer-venv/bin/python app/bench/compare.py --bench build/app/bench/archival-bench \\
        --fixtures ../shared/fixtures --threads 2

Figures only: no test depends on them.
"""

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import time

import torch

# One configuration: the model, its stages and their row labels.
STAGES = {
    "sd15": (("unet_step_s", "SD 1.5 UNet step with CFG"), ("vae_decode_s", "SD 1.5 VAE decode")),
    "sd35": (("mmdit_step_s", "SD 3.5 L MMDiT, 2 layers, CFG"),),
}
SD35_LAYERS = 2
COLUMNS = ("engine fp32", "engine bf16", "diffusers fp32", "diffusers bf16 autocast", "OpenVINO f32", "OpenVINO bf16")
# engine / peer ratios: the engine's precision beside each peer's.
RATIOS = (
    ("engine fp32", "diffusers fp32"),
    ("engine fp32", "OpenVINO f32"),
    ("engine bf16", "diffusers bf16 autocast"),
    ("engine bf16", "OpenVINO bf16"),
)


# --- the host ---------------------------------------------------------------------------------


def cpu_info():
    model, flags = platform.processor() or "unknown CPU", set()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                elif line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
    except OSError:
        pass
    wanted = ("avx2", "avx512f", "avx512_bf16", "amx_tile", "amx_bf16")
    return model, [f for f in wanted if f in flags]


# --- the peers (run in a worker process: `compare.py --worker ...`) -----------------------------


def manifest_config(fixtures, name):
    with open(os.path.join(fixtures, "manifests", name)) as f:
        return {k: v for k, v in json.load(f).items() if not k.startswith("_")}


def build_modules(model, size, fixtures):
    """The diffusers modules and their inputs, random weights: {stage: (module, inputs)}."""
    from diffusers import AutoencoderKL, SD3Transformer2DModel, UNet2DConditionModel

    torch.manual_seed(1)
    latent = size // 8
    if model == "sd15":
        unet = UNet2DConditionModel.from_config(manifest_config(fixtures, "sd15_unet.config.json")).eval()
        vae = AutoencoderKL.from_config(manifest_config(fixtures, "sd15_vae.config.json")).eval()
        x = torch.randn(2, 4, latent, latent)
        t = torch.full((2,), 999.0)
        embeds = torch.randn(2, 77, unet.config.cross_attention_dim)
        return {
            "unet_step_s": (UNetOut(unet), (x, t, embeds)),
            "vae_decode_s": (VaeDecodeOut(vae), (torch.randn(1, 4, latent, latent),)),
        }
    tc = manifest_config(fixtures, "sd35_large_transformer.config.json")
    tc["num_layers"] = SD35_LAYERS
    mmdit = SD3Transformer2DModel.from_config(tc).eval()
    x = torch.randn(2, 16, latent, latent)
    embeds = torch.randn(2, 77 + 256, tc["joint_attention_dim"])
    pooled = torch.randn(2, tc["pooled_projection_dim"])
    t = torch.full((2,), 1000.0)
    return {"mmdit_step_s": (MmditOut(mmdit), (x, embeds, pooled, t))}


class UNetOut(torch.nn.Module):
    """unet(...).sample as a plain tensor function, for tracing."""

    def __init__(self, unet):
        super().__init__()
        self.unet = unet

    def forward(self, sample, timestep, encoder_hidden_states):
        return self.unet(sample, timestep, encoder_hidden_states=encoder_hidden_states).sample


class VaeDecodeOut(torch.nn.Module):
    def __init__(self, vae):
        super().__init__()
        self.vae = vae

    def forward(self, latents):
        return self.vae.decode(latents).sample


class MmditOut(torch.nn.Module):
    def __init__(self, mmdit):
        super().__init__()
        self.mmdit = mmdit

    def forward(self, hidden_states, encoder_hidden_states, pooled_projections, timestep):
        return self.mmdit(
            hidden_states=hidden_states,
            encoder_hidden_states=encoder_hidden_states,
            pooled_projections=pooled_projections,
            timestep=timestep,
        ).sample


def cfg_step(out, x):
    """The guidance combination every side does after a denoiser call (batch: uncond, cond)."""
    u, c = out[: out.shape[0] // 2], out[out.shape[0] // 2 :]
    return x[: x.shape[0] // 2] - 0.01 * (u + 7.5 * (c - u))


def time_runs(fn, n):
    times = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def worker_diffusers(args, modules):
    results = {"diffusers fp32": {}, "diffusers bf16 autocast": {}}
    n = args.warmup + args.runs
    for stage, (module, inputs) in modules.items():
        denoiser = stage != "vae_decode_s"
        with torch.inference_mode():

            def run():
                out = module(*inputs)
                return cfg_step(out, inputs[0]) if denoiser else out

            results["diffusers fp32"][stage] = time_runs(run, n)

            def run_autocast():
                with torch.autocast("cpu", dtype=torch.bfloat16):
                    out = module(*inputs)
                return cfg_step(out, inputs[0]) if denoiser else out

            results["diffusers bf16 autocast"][stage] = time_runs(run_autocast, n)
    return results


def worker_openvino(args, modules):
    import gc

    import openvino as ov

    core = ov.Core()
    results = {"OpenVINO f32": {}, "OpenVINO bf16": {}}
    n = args.warmup + args.runs
    for stage, (module, inputs) in modules.items():
        denoiser = stage != "vae_decode_s"
        with torch.no_grad():
            converted = ov.convert_model(module, example_input=inputs)
        # Static shapes, as the other sides have: OpenVINO picks its kernels for them.
        converted.reshape({converted.inputs[i]: ov.PartialShape(list(t.shape)) for i, t in enumerate(inputs)})
        feed = [t.numpy() for t in inputs]
        for column, precision in (("OpenVINO f32", "f32"), ("OpenVINO bf16", "bf16")):
            compiled = core.compile_model(
                converted,
                "CPU",
                {
                    "INFERENCE_PRECISION_HINT": precision,
                    "INFERENCE_NUM_THREADS": args.threads,
                    "PERFORMANCE_HINT": "LATENCY",
                },
            )
            request = compiled.create_infer_request()

            def run():
                out = request.infer(feed)[compiled.output(0)]
                return cfg_step(out, feed[0]) if denoiser else out

            results[column][stage] = time_runs(run, n)
            del request, compiled
            gc.collect()
        del converted
        gc.collect()
    return results


def run_worker(args):
    torch.set_num_threads(args.threads)
    modules = build_modules(args.model, args.size, args.fixtures)
    work = worker_diffusers if args.worker == "diffusers" else worker_openvino
    print(json.dumps(work(args, modules)))


# --- the driver -------------------------------------------------------------------------------


def last_json_line(text):
    for line in reversed(text.splitlines()):
        line = line.strip()
        if line.startswith("{"):
            return json.loads(line)
    raise RuntimeError("no JSON line in the output")


def run_side(command, args, what):
    """Runs one side in its own process; its JSON, or None when it failed."""
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads), MKL_NUM_THREADS=str(args.threads))
    print(f"[compare] {what}: {' '.join(command)}", file=sys.stderr, flush=True)
    p = subprocess.run(command, capture_output=True, text=True, env=env)
    if p.returncode != 0:
        tail = (p.stderr or p.stdout).strip().splitlines()[-3:]
        print(f"[compare] {what} failed ({p.returncode}): {' | '.join(tail)}", file=sys.stderr, flush=True)
        return None
    return last_json_line(p.stdout)


class ConfigurationLock:
    """An exclusive flock on --lock while one configuration is measured (none without it)."""

    def __init__(self, path):
        self.path = path

    def __enter__(self):
        if self.path:
            import fcntl

            self.file = open(self.path, "a")
            print(f"[compare] waiting for {self.path}", file=sys.stderr, flush=True)
            fcntl.flock(self.file, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc):
        if self.path:
            self.file.close()  # releases the lock


def measure(args, model, size):
    """{column: {stage: [seconds]}} for one configuration."""
    with ConfigurationLock(args.lock):
        return measure_unlocked(args, model, size)


def measure_unlocked(args, model, size):
    n = args.warmup + args.runs
    out = {}
    for dtype in ("fp32", "bf16"):
        column = f"engine {dtype}"
        if column not in args.columns:
            continue
        cmd = [args.bench, model, "--width", str(size), "--height", str(size), "--steps", str(n), "--dtype", dtype, "--json"]
        if model == "sd15":
            cmd += ["--decodes", str(n)]
        else:
            cmd += ["--layers", str(SD35_LAYERS), "--t5-layers", "1", "--decodes", "0"]
        result = run_side(cmd, args, f"{column} {model} {size}")
        if result:
            out[column] = {stage: result[stage] for stage, _ in STAGES[model] if result.get(stage)}
    for worker, columns in (("diffusers", COLUMNS[2:4]), ("openvino", COLUMNS[4:6])):
        if not any(c in args.columns for c in columns):
            continue
        cmd = [sys.executable, os.path.abspath(__file__), "--worker", worker, "--model", model, "--size", str(size)]
        cmd += ["--fixtures", args.fixtures, "--threads", str(args.threads), "--runs", str(args.runs)]
        cmd += ["--warmup", str(args.warmup)]
        result = run_side(cmd, args, f"{worker} {model} {size}")
        if result:
            out.update({c: v for c, v in result.items() if c in args.columns})
    return out


def median_after_warmup(times, warmup):
    kept = times[warmup:] or times
    return statistics.median(kept)


def table(args, measured):
    model, flags = cpu_info()
    versions = [f"torch {torch.__version__}"]
    for name in ("diffusers", "openvino"):
        try:
            versions.append(f"{name} {__import__(name).__version__}")
        except ImportError:
            versions.append(f"{name} -")
    lines = [
        f"Measured {datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')} by "
        f"`app/bench/compare.sh` on {model} (flags: {', '.join(flags) or 'none of avx2/avx512/amx'}), "
        f"{args.threads} threads; {', '.join(versions)}. Random weights from the reference configs; median of "
        f"{args.runs} runs after {args.warmup} warm-up.",
        "",
    ]
    columns = [c for c in COLUMNS if c in args.columns]
    ratios = [(a, b) for a, b in RATIOS if a in args.columns and b in args.columns]
    head = ["", *columns, *[f"{a} / {b}" for a, b in ratios]]
    lines.append("| " + " | ".join(head) + " |")
    lines.append("| " + " | ".join("---" for _ in head) + " |")
    for (model_name, size), result in measured:
        for stage, label in STAGES[model_name]:
            med = {c: median_after_warmup(result[c][stage], args.warmup) for c in columns if stage in result.get(c, {})}
            cells = [f"{med[c]:.2f} s" if c in med else "–" for c in columns]
            cells += [f"{med[a] / med[b]:.2f}" if a in med and b in med else "–" for a, b in ratios]
            lines.append(f"| {label} at {size}² | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--bench", default="build/app/bench/archival-bench", help="the archival-bench executable")
    p.add_argument("--fixtures", default=os.environ.get("ARCHIVAL_FIXTURES", ""), help="the fixtures (manifests/)")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument(
        "--configs",
        default="sd15:256,sd15:512,sd35:256",
        help="MODEL:SIZE list (sd15: UNet step + VAE decode; sd35: MMDiT, 2 layers)",
    )
    p.add_argument("--columns", default=",".join(COLUMNS), help="which sides to run, comma-separated")
    p.add_argument("--lock", default="", help="hold an exclusive flock on FILE while measuring each configuration")
    p.add_argument("--out", default="", help="also write the table to this file")
    p.add_argument("--raw", default="", help="write every timing as JSON to this file")
    # Worker mode: one peer on one configuration, JSON on stdout.
    p.add_argument("--worker", choices=["diffusers", "openvino"], help=argparse.SUPPRESS)
    p.add_argument("--model", choices=sorted(STAGES), help=argparse.SUPPRESS)
    p.add_argument("--size", type=int, help=argparse.SUPPRESS)
    args = p.parse_args()
    if not args.fixtures or not os.path.isdir(os.path.join(args.fixtures, "manifests")):
        p.error("--fixtures (or ARCHIVAL_FIXTURES) must name the fixtures folder with manifests/")
    args.columns = [c.strip() for c in args.columns.split(",") if c.strip()]
    unknown = [c for c in args.columns if c not in COLUMNS]
    if unknown:
        p.error(f"unknown columns {unknown}; known: {', '.join(COLUMNS)}")
    if args.worker:
        run_worker(args)
        return 0
    if any(c.startswith("engine") for c in args.columns) and not os.access(args.bench, os.X_OK):
        p.error(f"no archival-bench at {args.bench} (build it, or give --bench)")

    measured = []
    for config in args.configs.split(","):
        model, size = config.split(":")
        if model not in STAGES:
            p.error(f"unknown model {model} in --configs")
        measured.append(((model, int(size)), measure(args, model, int(size))))
        # What is measured so far, after each configuration: a long run cut short keeps it.
        text = table(args, measured)
        print(text, file=sys.stderr, flush=True)
        if args.out:
            with open(args.out, "w") as f:
                f.write(text + "\n")
        if args.raw:
            with open(args.raw, "w") as f:
                json.dump([{"model": m, "size": s, "times": r} for (m, s), r in measured], f, indent=1)
    print(table(args, measured))
    return 0


if __name__ == "__main__":
    sys.exit(main())
