"""Per-phase mixtures with an exact token budget.

A weight is the share of the phase's tokens that a dataset supplies (weights are normalised
to sum to 1). Rows are drawn in a seeded order and added while they bring the source closer
to its target; a source that runs out is drawn again in a new order (up-sampled), and the
report says how often its rows repeat. The source with the shortest rows is filled last, to
what the budget has left, so the total misses the budget by at most about half its shortest
row. The mixture's rows are shuffled with the seed.
"""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

from alignlab.config.data import MixtureConfig
from alignlab.data.dataset import DATASET_MANIFEST, FILES, TokenCounter, jsonl, read_rows
from alignlab.errors import InputError
from alignlab.io import atomic_write_json, atomic_write_text, sha256_text


def _fill(tokens: list[int], target: float, rng: random.Random) -> list[int]:
    """Row indices, repeating when needed, whose tokens come as close to ``target`` as rows allow."""
    picked, total = [], 0
    while True:
        order = list(range(len(tokens)))
        rng.shuffle(order)
        added = False
        for i in order:
            if abs(total + tokens[i] - target) < abs(total - target):
                picked.append(i)
                total += tokens[i]
                added = True
        if not added:
            return picked


def build_mixture(phase: str, cfg: MixtureConfig, datasets: Path, out: Path, counter: TokenCounter, seed: int,
                  source: str | None = None) -> dict:
    kind = cfg.format
    total_w = sum(cfg.weights.values())
    loaded = {}
    for name, w in sorted(cfg.weights.items()):
        path = datasets / name / FILES[kind]
        if w <= 0:
            continue
        if not path.is_file():
            raise InputError(source, f"data.mixtures.{phase}.weights.{name}", f"{name} has no {kind} rows ({path} missing)")
        rows = read_rows(path)
        loaded[name] = (w, rows, counter.row_tokens(kind, rows))
    order = sorted(loaded, key=lambda n: (-min(loaded[n][2]), n))
    rows_out: list[dict] = []
    sources = {}
    for name in order:
        w, rows, tokens = loaded[name]
        spent = sum(s["tokens"] for s in sources.values())
        target = cfg.tokens - spent if name == order[-1] else cfg.tokens * w / total_w
        picked = _fill(tokens, target, random.Random(f"mix|{seed}|{phase}|{name}"))
        counts = Counter(picked)
        rows_out += [{**rows[i], "source": name} for i in picked]
        got = sum(tokens[i] for i in picked)
        sources[name] = {"weight": round(w / total_w, 6), "target_tokens": round(target), "tokens": got,
                         "rows": len(picked), "unique_rows": len(counts), "available_rows": len(rows),
                         "epochs": round(len(picked) / len(rows), 3), "most_repeats": max(counts.values(), default=0)}
    sources = dict(sorted(sources.items()))
    random.Random(f"mix-order|{seed}|{phase}").shuffle(rows_out)
    text = jsonl(rows_out)
    atomic_write_text(out / FILES[kind], text)
    tokens = sum(s["tokens"] for s in sources.values())
    manifest = {"phase": phase, "format": kind, "file": FILES[kind], "budget_tokens": cfg.tokens, "tokens": tokens,
                "budget_error": round(tokens / cfg.tokens - 1, 6), "rows": len(rows_out), "seed": seed,
                "sources": sources, "content_hash": sha256_text(text)}
    atomic_write_json(out / DATASET_MANIFEST, manifest)
    return manifest
