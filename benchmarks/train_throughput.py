"""SFT throughput: a plain PyTorch loop against alignlab's SFT phase (TRL's SFTTrainer), in one process.

All train the same model from the same start on the same rows of the demo's ``base_sft``
mixture for ``--steps`` steps of ``--batch`` rows; the plain loop packs the rendered rows into
blocks of ``--length`` tokens (the least work per token there is); alignlab trains as its SFT
phase does (its own loop: assistant-only loss, length-bucketed batches); TRL's
``SFTTrainer`` as ``engine: trl`` does. Prints tokens/s of each (tokens the model processed,
padding excluded; alignlab and TRL take as many rows per step as make the plain loop's tokens
per step) and the ratios to plain (target for alignlab >= 0.9).

``--gpu`` does the same on a Qwen2-0.5B-shaped model (random weights: throughput does not
depend on them) in bf16 with 8 x 2048-token batches, and prints MFU (6 x parameters x
tokens/s over the GPU's peak bf16 FLOP/s, ``--peak-tflops``, default 989 for H100/H200 SXM).

Usage: python benchmarks/train_throughput.py [--steps 30] [--data DIR] [--gpu]
(without --data, the demo data is built in a temp dir: about 1.5 minutes).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import torch  # noqa: E402

from alignlab.checkpoint import default_organism_path  # noqa: E402
from alignlab.config import default_config_path, load_config  # noqa: E402
from alignlab.train.config import PhaseConfig  # noqa: E402
from alignlab.train.datasets import load_phase_dataset  # noqa: E402
from alignlab.train.phases import load_for_training, trainer_for  # noqa: E402
from alignlab.train.sft_loop import SFTLoop  # noqa: E402


def qwen2_half_billion():
    from transformers import AutoTokenizer, Qwen2Config, Qwen2ForCausalLM

    cfg = Qwen2Config(vocab_size=151936, hidden_size=896, intermediate_size=4864, num_hidden_layers=24,
                      num_attention_heads=14, num_key_value_heads=2, max_position_embeddings=4096, tie_word_embeddings=True)
    impl = "flash_attention_2" if _has("flash_attn") else "sdpa"
    model = Qwen2ForCausalLM(cfg).to(torch.bfloat16).cuda()
    model.config._attn_implementation = impl
    tok = AutoTokenizer.from_pretrained(default_organism_path())  # the organism's chat template, the model's shape
    return model, tok


def _has(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(name) is not None


def plain_loop(model, blocks: torch.Tensor, steps: int, batch: int, lr: float) -> float:
    """Tokens/s of forward + backward + AdamW on packed blocks."""
    opt = torch.optim.AdamW(model.parameters(), lr=lr)
    model.train()
    device = next(model.parameters()).device
    t0, tokens = time.perf_counter(), 0
    for step in range(steps):
        x = blocks[(step * batch) % (len(blocks) - batch):][:batch].to(device)
        loss = model(input_ids=x, labels=x).loss
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        tokens += x.numel()
    if device.type == "cuda":
        torch.cuda.synchronize()
    return tokens / (time.perf_counter() - t0)


def _timed(train, history) -> float:
    """Tokens/s of a whole ``train()`` call, by the tokens its log counts."""
    t0 = time.perf_counter()
    train()
    seconds = time.perf_counter() - t0
    return max(r["num_tokens"] for r in history() if "num_tokens" in r) / seconds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--length", type=int, default=512)
    ap.add_argument("--data", type=Path, help="a data build directory (default: build the demo's in a temp dir)")
    ap.add_argument("--gpu", action="store_true")
    ap.add_argument("--peak-tflops", type=float, default=989.0)
    args = ap.parse_args()
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
            make = lambda: load_for_training(default_organism_path())  # noqa: E731
        model, tok = make()
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
        plain = plain_loop(model, blocks, args.steps, args.batch, 1e-4)
        # rows per step so that a step holds as many tokens as the plain loop's packed batch
        rows = max(1, round(args.batch * args.length * len(texts) / sum(len(x) for x in tok(texts)["input_ids"])))
        phase = phase.model_copy(update={"batch_size": rows})
        model, tok = make()  # the same start for alignlab
        loop = SFTLoop(phase, model, tok, dataset, Path(tmp) / "sft", args.length, 0, [], quiet=True)
        ours = _timed(loop.train, lambda: loop.state.log_history)
        model, tok = make()
        trl = trainer_for(phase.model_copy(update={"engine": "trl"}), model, tok, dataset, Path(tmp) / "trl",
                          args.length, 0, [], None, True)
        theirs = _timed(trl.train, lambda: trl.state.log_history)
    print(f"plain PyTorch loop (packed {args.batch} x {args.length}): {plain:,.0f} tokens/s")
    print(f"alignlab SFT phase (engine alignlab): {ours:,.0f} tokens/s; ratio {ours / plain:.2f} (target >= 0.9)")
    print(f"TRL SFTTrainer (engine trl): {theirs:,.0f} tokens/s; ratio {theirs / plain:.2f}")
    if args.gpu:
        params = sum(p.numel() for p in model.parameters())
        for name, tps in (("plain", plain), ("alignlab", ours)):
            print(f"{name}: MFU {6 * params * tps / (args.peak_tflops * 1e12):.1%}")


if __name__ == "__main__":
    main()
