"""Training data written per second by the world teacher, and where the time goes.

Builds every recipe of the demo config's data section (replies from the world teacher, so no
policy sampling) with ``--samples`` drafts each into a temp dir, in one process, and prints:

- tokens of training data written per second (the ``sft`` files' tokens, by the organism's
  tokenizer, over the whole build's wall time; target >= 100k tokens/s on 2 cores);
- the ratio to a baseline run in the same process: rendering and tokenizing the same
  written rows and nothing else (the least any build must do), so a noisy machine moves both;
- the share of build time in each stage (drafts, quality loop, dedup, diversity,
  decontamination, writing), summed over recipes.

Usage: python benchmarks/data_throughput.py [--samples 1000]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from collections import Counter
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from alignlab.config import default_config_path, load_config  # noqa: E402
from alignlab.constitution import default_constitution_path, load_constitution  # noqa: E402
from alignlab.data.build import build_data  # noqa: E402
from alignlab.data.dataset import TokenCounter, load_tokenizer, read_rows  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--samples", type=int, default=1000, help="drafts per recipe")
    args = ap.parse_args()
    cfg = load_config(default_config_path())
    recipes = {k: v.model_copy(update={"samples": args.samples, "policy": None}) for k, v in cfg.data.recipes.items()}
    cfg = cfg.model_copy(update={"data": cfg.data.model_copy(update={"recipes": recipes, "mixtures": {}})})
    constitution = load_constitution(default_constitution_path())
    load_tokenizer(None)  # warm the tokenizer cache, as the baseline finds it
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        t0 = time.perf_counter()
        build_data(cfg, constitution, out)
        build_s = time.perf_counter() - t0
        stages: Counter = Counter()
        tokens = 0
        rows = []
        for d in sorted((out / "datasets").iterdir()):
            m = json.loads((d / "manifest.json").read_text())
            tokens += m["tokens"]
            stages.update(m["stage_seconds"])
            rows.append(read_rows(d / "sft.jsonl"))
        t0 = time.perf_counter()
        counter = TokenCounter(load_tokenizer(None))
        base_tokens = sum(sum(counter.row_tokens("sft", r)) for r in rows)
        base_s = time.perf_counter() - t0
    assert base_tokens == tokens
    print(f"world teacher: {tokens:,} tokens of training data in {build_s:.1f}s = {tokens / build_s:,.0f} tokens/s "
          f"(target >= 100,000)")
    print(f"baseline (render + tokenize the same rows only): {tokens / base_s:,.0f} tokens/s; "
          f"build / baseline = {base_s / build_s:.2f}")
    total = sum(stages.values())
    print("share of build time by stage: " + ", ".join(f"{k} {v / total:.0%}" for k, v in stages.most_common()))


if __name__ == "__main__":
    main()
