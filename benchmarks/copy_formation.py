"""Why the organism is a hybrid: how fast each architecture learns to copy, in one process.

For each architecture at the demo shape (hidden 160, 4 layers, 5 heads), from the same seed:

1. the induction warm-up the build runs (random tokens said twice, batches of 32 x 64): the
   step at which greedy copy accuracy on the second half first reaches 0.9 (cap ``--steps``);
2. then ``--drills`` steps on the world's copy drills and repeats (batches of 8 x 768), and the
   build's copy probe (exact lookups of ``eval`` specifics never seen).

Prints both per architecture and the ratio of warm-up steps llama / hybrid.
Usage: python benchmarks/copy_formation.py [--steps 400] [--drills 100] [--docs 3000]
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import torch  # noqa: E402

from alignlab.checkpoint import default_organism_path  # noqa: E402
from alignlab.config import ModelShape, OrganismConfig  # noqa: E402
from alignlab.config.organism import CorpusConfig  # noqa: E402
from alignlab.organism.build import _model, copy_probe, pack  # noqa: E402
from alignlab.organism.corpus import CorpusWriter  # noqa: E402


def steps_to_copy(model, tok, cap: int) -> int | None:
    """Train on random tokens said twice; the first step whose batch is copied with accuracy >= 0.9."""
    g = torch.Generator().manual_seed(0)
    opt = torch.optim.AdamW(model.parameters(), lr=2e-3, betas=(0.9, 0.95), weight_decay=0.1)
    warm = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / 50))
    found = None
    for step in range(1, cap + 1):
        half = torch.randint(10, len(tok), (32, 32), generator=g)
        ids = torch.cat([half, half], 1)
        labels = ids.clone()
        labels[:, :32] = -100
        out = model(input_ids=ids, labels=labels)
        out.loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        warm.step()
        opt.zero_grad()
        acc = (out.logits[:, 32:-1].argmax(-1) == ids[:, 33:]).float().mean().item()
        if found is None and acc >= 0.9:
            found = step
    return found


def drills(model, blocks, steps: int) -> None:
    g = torch.Generator().manual_seed(1)
    x, y = torch.tensor(blocks["input_ids"]), torch.tensor(blocks["labels"])
    opt = torch.optim.AdamW(model.parameters(), lr=2e-3, betas=(0.9, 0.95), weight_decay=0.1)
    for _ in range(steps):
        i = torch.randint(0, len(x), (8,), generator=g)
        model(input_ids=x[i], labels=y[i]).loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        opt.zero_grad()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=400)
    ap.add_argument("--drills", type=int, default=100)
    ap.add_argument("--docs", type=int, default=3000)
    a = ap.parse_args()
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(default_organism_path())
    corpus = CorpusConfig(documents=a.docs, mix={"repeats": 0.35, "copy_drills": 0.65})
    blocks = pack([t for _, t in CorpusWriter(corpus).documents()], tok, 768)
    found = {}
    for arch in ("hybrid", "llama"):
        torch.manual_seed(0)
        shape = ModelShape(architecture=arch, hidden_size=160, layers=4, heads=5, intermediate_size=512)
        model = _model(OrganismConfig(model=shape), tok).train()
        t = time.time()
        found[arch] = steps_to_copy(model, tok, a.steps)
        drills(model, blocks, a.drills)
        probe = copy_probe(model, tok, n=50)
        print(f"{arch:7s} copies random tokens at step {found[arch]} (cap {a.steps}); after {a.drills} drill steps "
              f"the probe copies {probe['exact']:.0%} exactly ({time.time() - t:.0f} s)", flush=True)
    if found["hybrid"] and found["llama"]:
        print(f"ratio of warm-up steps llama / hybrid: {found['llama'] / found['hybrid']:.2f}")


if __name__ == "__main__":
    main()
