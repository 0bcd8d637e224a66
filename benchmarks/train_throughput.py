"""SFT throughput: a plain PyTorch loop against alignlab's SFT phase (and TRL's SFTTrainer), in one process.

All train the same model from the same start on the same rows of the demo's ``base_sft``
mixture for ``--steps`` steps; the plain loop packs the rendered rows into batches of
``--batch`` blocks of ``--length`` tokens (the least work per token there is); alignlab trains
as its SFT phase does (its own loop: assistant-only loss, length-bucketed batches), eager and
with ``compile: true``; TRL's ``SFTTrainer`` as ``engine: trl`` does. alignlab and TRL take as
many rows per step as make the plain loop's tokens per step. Each rate is tokens the model
processed (padding excluded) per second over the steps after the first third, which holds
start-up and compilation for every contender alike. Prints the ratios to plain (target for
alignlab >= 0.9).

``--gpu`` does the same on a Qwen2-0.5B-shaped model (random weights: throughput does not
depend on them) in bf16 with 8 x 2048-token batches, and prints MFU: model FLOPs per token
(6 x parameters, and PaLM's count with the attention's) x tokens/s over the GPU's peak bf16
FLOP/s (``--peak-tflops``, default 989 for H100/H200 SXM); target for alignlab >= 45 %.
``--profile`` adds a profile of four steps of alignlab's eager phase (the busiest operators).

Usage: python benchmarks/train_throughput.py [--steps 30] [--data DIR] [--gpu] [--skip-trl] [--skip-compile]
[--profile]
(without --data, the demo data is built in a temp dir: about 1.5 minutes).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
import traceback
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import torch  # noqa: E402

from alignlab.checkpoint import default_organism_path  # noqa: E402
from alignlab.config import default_config_path, load_config  # noqa: E402
from alignlab.config.train import PhaseConfig  # noqa: E402
from alignlab.train.datasets import load_phase_dataset  # noqa: E402
from alignlab.train.sft_loop import SFTLoop  # noqa: E402


def qwen2_half_billion():
    from transformers import AutoTokenizer, Qwen2Config, Qwen2ForCausalLM

    cfg = Qwen2Config(vocab_size=151936, hidden_size=896, intermediate_size=4864, num_hidden_layers=24,
                      num_attention_heads=14, num_key_value_heads=2, max_position_embeddings=4096, tie_word_embeddings=True)
    cfg._attn_implementation = "flash_attention_2" if _has("flash_attn") else "sdpa"
    torch.manual_seed(0)
    model = Qwen2ForCausalLM(cfg).to(torch.bfloat16).cuda()
    tok = AutoTokenizer.from_pretrained(default_organism_path())  # the organism's chat template, the model's shape
    return model, tok


def _has(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(name) is not None


def rate(stamps: list[tuple[float, int]]) -> float:
    """Tokens/s between the end of the first third of the steps and the last step."""
    (t0, n0), (t1, n1) = stamps[len(stamps) // 3], stamps[-1]
    return (n1 - n0) / (t1 - t0)


def plain_loop(model, blocks: torch.Tensor, steps: int, batch: int, lr: float) -> float:
    """Forward + backward + AdamW on packed blocks; the loss is read every step, as a training loop logs it."""
    device = next(model.parameters()).device
    opt = torch.optim.AdamW(model.parameters(), lr=lr, fused=device.type == "cuda")
    model.train()
    stamps, tokens = [], 0
    for step in range(steps):
        x = blocks[(step * batch) % (len(blocks) - batch):][:batch].to(device)
        loss = model(input_ids=x, labels=x).loss
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        tokens += x.numel()
        loss.item()
        stamps.append((time.perf_counter(), tokens))
    return rate(stamps)


def stamped(trainer) -> list[tuple[float, int]]:
    """Record (time, tokens so far) at every logged step of ``trainer`` (alignlab's loop or a transformers Trainer)."""
    stamps: list[tuple[float, int]] = []
    if isinstance(trainer, SFTLoop):
        log = trainer.log

        def timed_log(values: dict) -> None:
            log(values)
            if "num_tokens" in values:
                stamps.append((time.perf_counter(), values["num_tokens"]))

        trainer.log = timed_log
    else:
        from transformers import TrainerCallback

        class Stamp(TrainerCallback):
            def on_log(self, args, state, control, logs=None, **kw):
                if logs and "num_tokens" in logs:
                    stamps.append((time.perf_counter(), logs["num_tokens"]))

        trainer.add_callback(Stamp())
    return stamps


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--length", type=int, default=512)
    ap.add_argument("--data", type=Path, help="a data build directory (default: build the demo's in a temp dir)")
    ap.add_argument("--gpu", action="store_true")
    ap.add_argument("--skip-trl", action="store_true", help="leave out TRL's SFTTrainer")
    ap.add_argument("--skip-compile", action="store_true", help="leave out alignlab's phase with compile: true")
    ap.add_argument("--peak-tflops", type=float, default=989.0)
    ap.add_argument("--profile", action="store_true", help="also profile steps of alignlab's eager phase and print "
                    "where the device's time goes")
    args = ap.parse_args()
    if args.steps < 6:
        ap.error("--steps must be at least 6 (the first third is warm-up)")
    cfg = load_config(default_config_path())
    with tempfile.TemporaryDirectory() as tmp:
        data = args.data
        if data is None:
            from alignlab.constitution import default_constitution_path, load_constitution
            from alignlab.data.build import build_data

            recipes = {k: v.model_copy(update={"policy": None}) for k, v in cfg.data.recipes.items()}
            cfg2 = cfg.model_copy(update={"data": cfg.data.model_copy(update={"recipes": recipes})})
            data = Path(tmp) / "data"
            build_data(cfg2, load_constitution(default_constitution_path()), data)
        if args.gpu:
            args.batch, args.length = 8, 2048
            make = qwen2_half_billion
        else:
            from alignlab.train.phases import load_for_training

            make = lambda: load_for_training(default_organism_path())  # noqa: E731
        model, tok = make()
        shape = (sum(p.numel() for p in model.parameters()), model.config.num_hidden_layers, model.config.hidden_size)
        phase = PhaseConfig(name="bench", method="sft", mixture="base_sft", steps=args.steps, batch_size=args.batch,
                            lr=1e-4, warmup_ratio=0.0, save_every=10**6)
        dataset, _ = load_phase_dataset(data, phase, tok)
        texts = [tok.apply_chat_template(r["messages"], tools=json.loads(r["tools"]) if r["tools"] else None,
                                         tokenize=False) for r in dataset]
        ids = [t for x in tok(texts, add_special_tokens=False)["input_ids"] for t in x]
        while len(ids) < (args.steps + 1) * args.batch * args.length:
            ids = ids + ids
        n = len(ids) // args.length
        blocks = torch.tensor(ids[: n * args.length]).view(n, args.length)
        results = {"plain PyTorch loop": plain_loop(model, blocks, args.steps, args.batch, 1e-4)}
        report(results, args, shape, args.length)
        del model
        lengths = [min(len(x), args.length) for x in tok(texts)["input_ids"]]
        # rows per step so that a step holds as many tokens as the plain loop's packed batch
        rows = max(1, round(args.batch * args.length * len(lengths) / sum(lengths)))
        context = sum(n * n for n in lengths) / sum(lengths)  # the row length an average token sits in
        contenders = [("alignlab SFT phase (engine alignlab)", {"batch_size": rows})]
        if not args.skip_compile:
            contenders.append(("alignlab SFT phase, compile: true", {"batch_size": rows, "compile": True}))
        if not args.skip_trl:
            contenders.append(("TRL SFTTrainer (engine trl)", {"batch_size": rows, "engine": "trl"}))
        for i, (name, update) in enumerate(contenders):
            try:
                results[name] = run_phase(make, phase.model_copy(update=update), dataset, Path(tmp) / f"run{i}",
                                          args.length)
            except Exception:  # one contender failing (a missing kernel, a compile error) still reports the rest
                traceback.print_exc()
            report({name: results[name]} if name in results else {}, args, shape, context, results["plain PyTorch loop"])
            if torch.cuda.is_available():
                torch.cuda.empty_cache()
        if args.profile:
            profile_phase(make, phase.model_copy(update={"batch_size": rows, "steps": 9}), dataset, Path(tmp) / "prof",
                          args.length)


def run_phase(make, phase: PhaseConfig, dataset, out: Path, length: int) -> float:
    model, tok = make()  # the same start for every contender
    if phase.engine == "trl":
        from alignlab.train.phases import trainer_for

        trainer = trainer_for(phase, model, tok, dataset, out, length, 0, [], None, True)
    else:
        trainer = SFTLoop(phase, model, tok, dataset, out, length, 0, [], quiet=True)
    stamps = stamped(trainer)
    trainer.train()
    return rate(stamps)


def profile_phase(make, phase: PhaseConfig, dataset, out: Path, length: int) -> None:
    """Profile steps 4 to 7 of an alignlab SFT phase: the busiest operators, and the wall time of those steps."""
    from torch.profiler import ProfilerActivity, profile, schedule

    model, tok = make()
    trainer = SFTLoop(phase, model, tok, dataset, out, length, 0, [], quiet=True)
    stamps = stamped(trainer)
    acts = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if torch.cuda.is_available() else [])
    with profile(activities=acts, schedule=schedule(wait=1, warmup=2, active=4, repeat=1)) as prof:
        log = trainer.log
        trainer.log = lambda values: (log(values), prof.step())
        trainer.train()
    events = prof.key_averages()
    key = "self_device_time_total" if torch.cuda.is_available() else "self_cpu_time_total"
    print(events.table(sort_by=key, row_limit=25), flush=True)
    print(f"profiled 4 steps: {stamps[6][0] - stamps[2][0]:.3f} s wall", flush=True)


def report(results: dict[str, float], args, shape: tuple[int, int, int], context: float,
           plain: float | None = None) -> None:
    """One line per contender; on a GPU, MFU by 6 x parameters per token, and by PaLM's count, which adds the
    attention's 12 x layers x width x context (``context``: the sequence length the contender's tokens sit in)."""
    params, layers, width = shape
    peak = args.peak_tflops * 1e12
    for name, tps in results.items():
        line = f"{name}: {tps:,.0f} tokens/s"
        if plain is not None:
            line += f"; ratio to plain {tps / plain:.2f}"
        if args.gpu:
            line += (f"; MFU {6 * params * tps / peak:.1%} (6N), "
                     f"{(6 * params + 12 * layers * width * context) * tps / peak:.1%} (with attention, context "
                     f"{context:,.0f})")
        print(line, flush=True)


if __name__ == "__main__":
    main()
