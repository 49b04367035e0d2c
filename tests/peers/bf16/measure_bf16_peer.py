#!/usr/bin/env python3
"""Measures the reference libraries' own bfloat16 error on every golden `archival-bench verify` runs.

The bf16 rule for the engine (issue 14, goal 4): its bf16 error against a float32 golden is at
most 1.5x the error of the reference's own bf16 run on the same golden. This script makes those
reference runs on the fixtures' model folders, on the CPU with one thread (as the goldens were
made), once in float32 and once in bfloat16, and writes the largest absolute difference against
each golden tensor under the key `archival-bench verify` reports it by:

* component goldens (UNet incl. the linear-projection one, SD3 MMDiT variants, VAE encode and
  decode, every case prefix such as odd_, mixed_, case2_): the diffusers model classes;
* loop goldens (fixture README section 6): the loop verify runs, from the golden's prompt
  embeddings and start latents, with diffusers' model and scheduler classes, in the order of
  operations of the diffusers pipelines;
* end-to-end goldens (section 12): the diffusers pipeline classes themselves from the prompt
  strings, with transformers' text encoders and tokenizers and a seeded CPU generator;
* the T5 encoder golden (transformers), which test_t5_encoder holds the engine to.

bf16 is run the way diffusers users run it on a CPU: the models loaded with
`from_pretrained(..., torch_dtype=torch.bfloat16)` (weights and activations in bf16, no
autocast), inputs cast to bf16, the schedulers left to do what the pipelines let them do.

The float32 run is the proof that a peer run reproduces its golden: its error must stay within
the fixture README's float32 rule, or the script stops with an error and writes nothing.

Run it in the peers' own virtual environment (never the studio's):
    app/bench/peers/make_venv.sh
    .peer-venv/bin/python tests/peers/bf16/measure_bf16_peer.py \
        --fixtures ../shared/fixtures --out tests/data/bf16_peer_errors.json
"""
import argparse
import glob
import hashlib
import json
import os
import struct
import sys

import numpy as np
import torch

F32, BF16 = torch.float32, torch.bfloat16
DTYPES = (("float32", F32), ("bfloat16", BF16))


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + n])
    body = data[8 + n :]
    dtypes = {
        "F32": torch.float32,
        "F16": torch.float16,
        "BF16": torch.bfloat16,
        "I64": torch.int64,
        "U8": torch.uint8,
    }
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


def case_prefixes(golden, names):
    """The case prefixes ("", "odd_", ...) for which the golden holds every one of `names`."""
    prefixes = set()
    for key in golden:
        for name in names:
            if key.endswith(name):
                prefix = key[: -len(name)]
                if all(prefix + n in golden for n in names):
                    prefixes.add(prefix)
    return sorted(prefixes)


def component_folders(fixtures, model_meta):
    """`model` metadata: a folder ("models/sd15-tiny"), or "unet: models/a, vae: models/b"."""

    def folder(component):
        if ": " in model_meta:
            parts = dict(p.split(": ", 1) for p in model_meta.split(", "))
            return os.path.join(fixtures, parts[component], component)
        path = os.path.join(fixtures, model_meta)
        sub = os.path.join(path, component)
        return sub if os.path.isdir(sub) else path

    folder.fixtures = fixtures
    return folder


class Rules:
    """The fixture README's float32 rules, as a bound on max|a-b| for a tensor of peak |b|."""

    @staticmethod
    def single_pass(peak):
        return 1e-4 + 1e-4 * peak

    @staticmethod
    def loop(peak):
        return 2e-4 * peak

    @staticmethod
    def text(peak):
        return 2e-4 + 1e-3 * peak


class Comparison:
    """The errors of one golden's runs, keyed as `archival-bench verify` names the tensors."""

    def __init__(self, golden):
        self.golden = golden
        self.max_abs = {}
        self.peak = {}
        self.fp32_rule = {}

    def tensor(self, dtype_name, key, actual, expected, rule):
        diff = (actual.detach().float().cpu() - expected.float()).abs().max().item()
        self.max_abs.setdefault(dtype_name, {})[key] = diff
        self.peak[key] = expected.float().abs().max().item()
        self.fp32_rule[key] = rule(self.peak[key])

    def steps(self, dtype_name, key, actual, expected):
        """Per-step tensors (noise_preds, step_latents): the largest error over the steps."""
        if len(actual) != expected.shape[0]:
            raise RuntimeError(f"{key}: {len(actual)} steps, the golden has {expected.shape[0]}")
        diff = max((a.detach().float() - e.float()).abs().max().item() for a, e in zip(actual, expected))
        self.max_abs.setdefault(dtype_name, {})[key] = diff
        self.peak[key] = expected.float().abs().max().item()
        self.fp32_rule[key] = Rules.loop(self.peak[key])

    def pixels(self, dtype_name, key, actual, expected):
        """uint8 pixels: the worst difference in levels (verify's `max` for image_uint8)."""
        diff = (actual.to(torch.int32) - expected.to(torch.int32)).abs().max().item()
        self.max_abs.setdefault(dtype_name, {})[key] = float(diff)
        self.peak[key] = 255.0
        self.fp32_rule[key] = 1.0  # fixture README 12.9: at most one level off

    def check_reproduced(self):
        """The float32 run must meet the golden's float32 rule: else the peer run is not the
        golden's computation and its bf16 error means nothing."""
        bad = [
            f"{k}: {v:.3g} > {self.fp32_rule[k]:.3g}"
            for k, v in self.max_abs["float32"].items()
            if v > self.fp32_rule[k]
        ]
        if bad:
            raise RuntimeError(f"{self.golden}: the float32 peer run does not reproduce the golden: " + "; ".join(bad))


# --- component goldens ---------------------------------------------------------------------


def run_unet(cmp, g, meta, folder, dtype_name, dtype):
    from diffusers import UNet2DConditionModel

    model = UNet2DConditionModel.from_pretrained(folder("unet"), torch_dtype=dtype).eval()
    for p in case_prefixes(g, ["sample", "timestep", "encoder_hidden_states", "out"]):
        out = model(g[p + "sample"].to(dtype), g[p + "timestep"], encoder_hidden_states=g[p + "encoder_hidden_states"].to(dtype)).sample
        cmp.tensor(dtype_name, p + "out", out, g[p + "out"], Rules.single_pass)


def run_transformer(cmp, g, meta, folder, dtype_name, dtype):
    from diffusers import SD3Transformer2DModel

    model = SD3Transformer2DModel.from_pretrained(folder("transformer"), torch_dtype=dtype).eval()
    names = ["hidden_states", "encoder_hidden_states", "pooled_projections", "timestep", "out"]
    for p in case_prefixes(g, names):
        out = model(
            hidden_states=g[p + "hidden_states"].to(dtype),
            encoder_hidden_states=g[p + "encoder_hidden_states"].to(dtype),
            pooled_projections=g[p + "pooled_projections"].to(dtype),
            timestep=g[p + "timestep"],
        ).sample
        cmp.tensor(dtype_name, p + "out", out, g[p + "out"], Rules.single_pass)


def run_vae_decode(cmp, g, meta, folder, dtype_name, dtype):
    from diffusers import AutoencoderKL

    vae = AutoencoderKL.from_pretrained(folder("vae"), torch_dtype=dtype).eval()
    for p in case_prefixes(g, ["latents", "image"]):
        cmp.tensor(dtype_name, p + "image", vae.decode(g[p + "latents"].to(dtype)).sample, g[p + "image"], Rules.single_pass)


def run_vae_encode(cmp, g, meta, folder, dtype_name, dtype):
    from diffusers import AutoencoderKL

    vae = AutoencoderKL.from_pretrained(folder("vae"), torch_dtype=dtype).eval()
    for p in case_prefixes(g, ["image_u8", "image", "mean", "logvar", "std"]):
        dist = vae.encode(g[p + "image"].to(dtype)).latent_dist
        for name, t in (("mean", dist.mean), ("logvar", dist.logvar), ("std", dist.std)):
            cmp.tensor(dtype_name, p + name, t, g[p + name], Rules.single_pass)
        if p + "eps" in g and p + "sample" in g:
            # DiagonalGaussianDistribution.sample with the golden's noise.
            sample = dist.mean + dist.std * g[p + "eps"].to(dtype)
            cmp.tensor(dtype_name, p + "sample", sample, g[p + "sample"], Rules.single_pass)


def run_t5(cmp, g, meta, folder, dtype_name, dtype):
    from transformers import T5EncoderModel

    model = T5EncoderModel.from_pretrained(folder(""), torch_dtype=dtype).eval()
    out = model(input_ids=g["input_ids"]).last_hidden_state
    cmp.tensor(dtype_name, "last_hidden_state", out, g["last_hidden_state"], Rules.text)


# --- loop goldens (fixture README section 6) -------------------------------------------------


def run_loop(cmp, g, meta, folder, dtype_name, dtype):
    import diffusers
    from diffusers import AutoencoderKL, SD3Transformer2DModel, UNet2DConditionModel

    sd3 = "pooled_prompt_embeds" in g
    config = json.loads(meta["scheduler_config"])
    sched = getattr(diffusers, config["_class_name"]).from_config(config)
    steps = int(meta["steps"])
    guidance = g["guidance_scale"].item()
    sched.set_timesteps(steps)
    vae = AutoencoderKL.from_pretrained(folder("vae"), torch_dtype=dtype).eval()
    sf, shift = vae.config.scaling_factor, vae.config.shift_factor or 0.0

    timesteps = sched.timesteps
    if "noised_latents" in g:  # img2img: the pipelines' start index, then the recorded noise
        strength = g["strength"].item()
        if sd3:  # StableDiffusion3Img2ImgPipeline.get_timesteps: a float init_timestep
            begin = int(max(steps - min(steps * strength, steps), 0))
        else:  # StableDiffusionImg2ImgPipeline.get_timesteps: int(N * strength)
            begin = steps - min(int(steps * strength), steps)
        timesteps = sched.timesteps[begin * sched.order :]
        if hasattr(sched, "set_begin_index"):  # as the img2img pipelines do
            sched.set_begin_index(begin * sched.order)
        dist = vae.encode(g["init_image"].to(dtype)).latent_dist
        cmp.tensor(dtype_name, "posterior_mean", dist.mean, g["posterior_mean"], Rules.single_pass)
        own = (dist.mean + dist.std * g["posterior_eps"].to(dtype) - shift) * sf
        cmp.tensor(dtype_name, "init_latents", own, g["init_latents"], Rules.single_pass)
        # As verify does: the loop starts from the golden's latents, so that the loop's error is
        # the loop's own.
        init, noise = g["init_latents"].to(dtype), g["noise"].to(dtype)
        if sd3:
            latents = sched.scale_noise(init, timesteps[:1], noise)
        else:
            latents = sched.add_noise(init, noise, timesteps[:1])
    else:
        latents = g["init_noise"].to(dtype) * (1.0 if sd3 else sched.init_noise_sigma)

    embeds = torch.cat([g["negative_prompt_embeds"], g["prompt_embeds"]]).to(dtype)
    if sd3:
        model = SD3Transformer2DModel.from_pretrained(folder("transformer"), torch_dtype=dtype).eval()
        pooled = torch.cat([g["negative_pooled_prompt_embeds"], g["pooled_prompt_embeds"]]).to(dtype)
    else:
        model = UNet2DConditionModel.from_pretrained(folder("unet"), torch_dtype=dtype).eval()

    guided, after = [], []
    for t in timesteps:
        x = torch.cat([latents] * 2)
        if sd3:
            out = model(hidden_states=x, timestep=t.expand(2), encoder_hidden_states=embeds, pooled_projections=pooled).sample
        else:
            out = model(sched.scale_model_input(x, t), t, encoder_hidden_states=embeds).sample
        uncond, cond = out.chunk(2)
        eps = uncond + guidance * (cond - uncond)
        latents = sched.step(eps, t, latents).prev_sample
        guided.append(eps)
        after.append(latents)
    cmp.steps(dtype_name, "noise_preds", guided, g["noise_preds"])
    cmp.steps(dtype_name, "step_latents", after, g["step_latents"])
    cmp.steps(dtype_name, "final_latents", [latents], g["final_latents"].unsqueeze(0))
    image = vae.decode(latents / sf + shift).sample
    cmp.tensor(dtype_name, "image (from own latents)", image, g["image"], Rules.single_pass)
    if "image01" in g:
        cmp.tensor(dtype_name, "image01", (image / 2 + 0.5).clamp(0, 1), g["image01"], lambda peak: 5e-4)


# --- end-to-end goldens (fixture README section 12): the pipeline classes --------------------


class Float32Noise:
    """diffusers draws its noise in the run's dtype (randn_tensor(..., dtype=bfloat16)), and
    CPU torch.randn in bfloat16 is another stream than in float32: a bf16 pipeline run would
    start from other noise, and its "error" would be that of another picture. While active,
    every randn_tensor of the pipelines and the VAE draws float32 from the same seeded
    generator and rounds it to the run's dtype, as the engine does; the float32 run is
    unchanged."""

    MODULES = (
        "diffusers.pipelines.stable_diffusion.pipeline_stable_diffusion",
        "diffusers.pipelines.stable_diffusion.pipeline_stable_diffusion_img2img",
        "diffusers.pipelines.stable_diffusion_3.pipeline_stable_diffusion_3",
        "diffusers.pipelines.stable_diffusion_3.pipeline_stable_diffusion_3_img2img",
        "diffusers.models.autoencoders.vae",
    )

    def __enter__(self):
        import importlib

        from diffusers.utils.torch_utils import randn_tensor

        def float32_randn(shape, generator=None, device=None, dtype=None, layout=None):
            return randn_tensor(shape, generator=generator, device=device, dtype=torch.float32, layout=layout).to(dtype)

        self.saved = []
        for name in self.MODULES:
            module = importlib.import_module(name)
            self.saved.append((module, module.randn_tensor))
            module.randn_tensor = float32_randn
        return self

    def __exit__(self, *exc):
        for module, original in self.saved:
            module.randn_tensor = original


def run_end_to_end(cmp, g, meta, folder, dtype_name, dtype):
    import diffusers
    from PIL import Image

    root = folder("")
    kind = meta["pipeline"]
    sd3 = "StableDiffusion3" in kind
    extra = {}
    if sd3 and meta.get("text_encoder_3", "").startswith("absent"):
        extra = {"text_encoder_3": None, "tokenizer_3": None}
    if not sd3:
        extra = {"safety_checker": None, "feature_extractor": None, "requires_safety_checker": False}
    pipe = getattr(diffusers, kind).from_pretrained(root, torch_dtype=dtype, **extra)
    pipe.set_progress_bar_config(disable=True)
    if meta.get("lora"):
        pipe.load_lora_weights(folder.fixtures + "/" + meta["lora"])
        pipe.fuse_lora(lora_scale=float(meta["lora_scale"]))

    prompt, negative = meta["prompt"], meta["negative_prompt"]
    # The pipeline's own prompt encoding, called as __call__ calls it; its result is passed on.
    if sd3:
        pe, ne, pooled, npooled = pipe.encode_prompt(
            prompt=prompt, prompt_2=None, prompt_3=None, device="cpu", num_images_per_prompt=1,
            do_classifier_free_guidance=True, negative_prompt=negative,
            max_sequence_length=int(meta.get("max_sequence_length", 256)),
        )
        embeds = dict(prompt_embeds=pe, negative_prompt_embeds=ne, pooled_prompt_embeds=pooled, negative_pooled_prompt_embeds=npooled)
    else:
        pe, ne = pipe.encode_prompt(prompt, "cpu", 1, True, negative)
        embeds = dict(prompt_embeds=pe, negative_prompt_embeds=ne)

    seen = {}
    denoiser = pipe.transformer if sd3 else pipe.unet

    def first_input(module, args, kwargs):
        x = kwargs.get("hidden_states", args[0] if args else kwargs.get("sample"))
        seen.setdefault("init_latents", x.chunk(2)[0].clone())

    hook = denoiser.register_forward_pre_hook(first_input, with_kwargs=True)
    decode = pipe.vae.decode

    def recording_decode(z, *a, **k):
        seen["vae_input"] = z.clone()
        return decode(z, *a, **k)

    pipe.vae.decode = recording_decode
    if "image_latents" in g:  # the img2img pipeline's encoded init image, before the noise
        module = sys.modules[type(pipe).__module__]
        retrieve = module.retrieve_latents

        def recording_retrieve(*a, **k):
            z = retrieve(*a, **k)
            seen["image_latents"] = z * pipe.vae.config.scaling_factor
            return z

        module.retrieve_latents = recording_retrieve

    steps = []

    def on_step_end(p, i, t, kw):
        steps.append(kw["latents"].clone())
        return kw

    args = dict(
        num_inference_steps=int(meta["steps"]),
        guidance_scale=float(meta["guidance_scale"]),
        generator=torch.Generator("cpu").manual_seed(int(meta["seed"])),
        output_type="np",
        callback_on_step_end=on_step_end,
        **embeds,
    )
    if "init_image_uint8" in g:
        args.update(image=Image.fromarray(g["init_image_uint8"].numpy()), strength=float(meta["strength"]))
    else:
        args.update(width=int(meta["width"]), height=int(meta["height"]))
    if sd3:
        args.update(max_sequence_length=int(meta.get("max_sequence_length", 256)))
    try:
        with Float32Noise():
            result = pipe(**args).images
    finally:
        hook.remove()
        if "image_latents" in g:
            module.retrieve_latents = retrieve

    cmp.tensor(dtype_name, "prompt_embeds", pe, g["prompt_embeds"], Rules.text if sd3 else Rules.single_pass)
    cmp.tensor(dtype_name, "negative_prompt_embeds", ne, g["negative_prompt_embeds"], Rules.text if sd3 else Rules.single_pass)
    if sd3:
        cmp.tensor(dtype_name, "pooled_prompt_embeds", pooled, g["pooled_prompt_embeds"], Rules.text)
    if "image_latents" in g:
        cmp.tensor(dtype_name, "image_latents", seen["image_latents"], g["image_latents"], Rules.single_pass)
    cmp.tensor(dtype_name, "init_latents", seen["init_latents"], g["init_latents"], lambda peak: 1e-5 + 1e-5 * peak)
    cmp.steps(dtype_name, "step_latents", steps, g["step_latents"])
    cmp.tensor(dtype_name, "vae_input", seen["vae_input"], g["vae_input"], Rules.single_pass)
    image = torch.from_numpy(np.ascontiguousarray(result)).permute(0, 3, 1, 2)
    cmp.tensor(dtype_name, "image", image, g["image"], lambda peak: 5e-4)
    # diffusers' numpy_to_pil: (images * 255).round().astype("uint8")
    cmp.pixels(dtype_name, "image_uint8", torch.from_numpy((result * 255).round().astype("uint8")), g["image_uint8"])


# --- which goldens, as `archival-bench verify` tells them apart ------------------------------


def runner_of(g, meta):
    if "step_latents" in g and "prompt_embeds" in g and "noise_preds" in g:
        return run_end_to_end if ("input_ids" in g or "prompt" in meta) else run_loop
    if "out_base" in g or "model" not in meta:
        return None
    if case_prefixes(g, ["sample", "timestep", "encoder_hidden_states", "out"]):
        return run_unet
    if case_prefixes(g, ["hidden_states", "encoder_hidden_states", "pooled_projections", "timestep", "out"]):
        return run_transformer
    if case_prefixes(g, ["image_u8", "image", "mean", "logvar", "std"]):
        return run_vae_encode
    if case_prefixes(g, ["latents", "image"]):
        return run_vae_decode
    if "last_hidden_state" in g and "t5" in meta["model"]:
        return run_t5
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--fixtures", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--only", default="", help="golden file names containing this text (for a look; the committed file has all)")
    args = ap.parse_args()
    torch.set_num_threads(1)
    import diffusers
    import transformers

    results = {
        "note": "max |a-b| of the reference libraries' run against the float32 golden, per dtype and per tensor as "
        "archival-bench verify names it (diffusers / transformers on the CPU, one thread; bf16 = models loaded with "
        "torch_dtype=torch.bfloat16; steps: the largest error over the steps; image_uint8: the worst level). "
        "The engine's bf16 error must stay within 1.5x the bf16 value.",
        "command": "app/bench/peers/make_venv.sh && .peer-venv/bin/python tests/peers/bf16/measure_bf16_peer.py "
        "--fixtures <fixtures> --out tests/data/bf16_peer_errors.json",
        "peer": {"torch": torch.__version__, "diffusers": diffusers.__version__, "transformers": transformers.__version__},
        "goldens": {},
    }
    paths = sorted(glob.glob(os.path.join(args.fixtures, "golden", "*.safetensors")))
    for path in paths:
        name = os.path.basename(path)
        if args.only not in name or name.endswith("_intermediates.safetensors"):
            continue
        g, meta = read_safetensors(path)
        run = runner_of(g, meta)
        if run is None:
            print(f"not run: {name}", file=sys.stderr)
            continue
        rel = os.path.relpath(path, args.fixtures)
        cmp = Comparison(rel)
        folder = component_folders(args.fixtures, meta["model"])
        for dtype_name, dtype in DTYPES:
            with torch.inference_mode():
                run(cmp, g, meta, folder, dtype_name, dtype)
        cmp.check_reproduced()
        for key in cmp.max_abs["float32"]:
            print(
                f"{name:40s} {key:28s} fp32 {cmp.max_abs['float32'][key]:10.3g}  bf16 {cmp.max_abs['bfloat16'][key]:10.3g}"
                f"  peak {cmp.peak[key]:8.3g}",
                file=sys.stderr,
            )
        results["goldens"][rel] = {
            "sha256": sha256(path),
            "model": meta["model"],
            "runner": run.__name__,
            "max_abs": cmp.max_abs,
            "peak": cmp.peak,
        }
    with open(args.out, "w") as f:
        json.dump(results, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
