"""The organism's pretraining step in bf16 autocast against fp32, in one process.

Builds a fresh organism-shaped model (hybrid LFM2, random weights: speed does not depend on
them) at each ``--shapes`` entry (hidden x layers), trains it on random token blocks of the
build's shape (``--batch`` x ``--seq``) for ``--steps`` steps in fp32 and then in bf16 autocast
(fp32 master weights, as the build does), and prints tokens/s for both and their ratio, plus
the two losses after the same steps from the same start (bf16 should track fp32).

Usage: python benchmarks/organism_bf16.py [--shapes 160x4,256x6] [--steps 8] [--batch 8] [--seq 768]
"""

from __future__ import annotations

import argparse
import time

import torch
from transformers import Lfm2Config, Lfm2ForCausalLM


def model(hidden: int, layers: int, vocab: int = 4096):
    torch.manual_seed(0)
    heads = max(1, hidden // 32)
    return Lfm2ForCausalLM(Lfm2Config(
        vocab_size=vocab, hidden_size=hidden, num_hidden_layers=layers, num_attention_heads=heads,
        num_key_value_heads=heads, intermediate_size=hidden * 3, max_position_embeddings=1024,
        layer_types=["conv" if i % 2 == 0 else "full_attention" for i in range(layers)],
        block_auto_adjust_ff_dim=False, tie_word_embeddings=True))


def run(hidden: int, layers: int, bf16: bool, steps: int, batch: int, seq: int) -> tuple[float, float]:
    """(tokens per second over the steps after the first two, last loss)."""
    m = model(hidden, layers).train()
    opt = torch.optim.AdamW(m.parameters(), lr=1e-3)
    g = torch.Generator().manual_seed(1)
    data = [torch.randint(0, 4096, (batch, seq), generator=g) for _ in range(steps)]
    t0 = None
    for i, ids in enumerate(data):
        if i == 2:
            t0 = time.perf_counter()
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            loss = m(input_ids=ids, labels=ids).loss
        loss.backward()
        opt.step()
        opt.zero_grad()
    return (steps - 2) * batch * seq / (time.perf_counter() - t0), loss.item()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shapes", default="160x4,256x6")
    ap.add_argument("--steps", type=int, default=8)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--seq", type=int, default=768)
    a = ap.parse_args()
    torch.set_num_threads(torch.get_num_threads())
    for shape in a.shapes.split(","):
        h, n = map(int, shape.split("x"))
        params = sum(p.numel() for p in model(h, n).parameters())
        fp32, l32 = run(h, n, False, a.steps, a.batch, a.seq)
        bf16, l16 = run(h, n, True, a.steps, a.batch, a.seq)
        print(f"{shape} ({params / 1e6:.1f} M): fp32 {fp32:,.0f} tok/s, bf16 {bf16:,.0f} tok/s, "
              f"ratio {bf16 / fp32:.2f}x; loss after {a.steps} steps fp32 {l32:.3f}, bf16 {l16:.3f}")


if __name__ == "__main__":
    main()
