"""Eval throughput, three ways over the same prompts in one process.

1. plain batched ``model.generate`` (prompts in order, left padding, fixed batches of ``--batch-size``,
   sampling with ``torch.multinomial``);
2. alignlab's runner (``HFRunner`` with its defaults: length-sorted batches capped by padded
   tokens, per-batch seeds, and its decode loop: one prefill per distinct prompt, finished rows
   leaving the batch, key/value room allocated once, inverse-CDF sampling); also shown with
   fixed batches of ``--batch-size`` (which isolates its decode loop from its batch plan) and
   without the shared prefill;
3. Inspect's ``hf/local`` provider (``get_model(...).generate`` for every prompt, gathered, with
   ``--batch-size`` as its batch size and connection limit).

Two regimes: ``agentic`` (the eval's agentic prompts, ~400 tokens, 160 new tokens, two samples
per scenario as in the demo's evaluations), where generation dominates, and ``short`` (one-line
prompts, 8 new tokens), where per-batch overheads dominate (Inspect's hf provider polls for results once a second).
Prints seconds and the ratios alignlab/plain (target >= 0.8) and alignlab/inspect (target >= 20).
Usage: python benchmarks/eval_throughput.py [--model DIR] [--regime agentic|short|both]
(without --model, the --quick organism is built in a temp dir).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import torch  # noqa: E402

from alignlab.constitution import default_constitution_path, load_constitution  # noqa: E402
from alignlab.evals.evaluate import requests_for  # noqa: E402
from alignlab.evals.suites import build_suite  # noqa: E402
from alignlab.models.local import HFRunner, Request  # noqa: E402
from alignlab.models.remote import to_inspect_messages  # noqa: E402
from alignlab.world.cells import SplitSpec, default_split_path  # noqa: E402


def prompts(n: int, short: bool = False):
    if short:  # the regime where per-batch overheads dominate: tiny prompts, few new tokens
        return [Request(f"q{i}", [{"role": "user", "content": f"What is {i % 40} plus {i % 7}?"}]) for i in range(n)]
    spec = SplitSpec.load(default_split_path())
    const = load_constitution(default_constitution_path())
    items = build_suite("agentic", spec, const, 4, 0) + build_suite("agentic_ood", spec, const, 1, 0)
    reqs = requests_for(items, 2)
    return (reqs * (n // len(reqs) + 1))[:n]


def plain(runner: HFRunner, reqs, batch_size: int, max_new: int) -> float:
    tok, model = runner.tok, runner.model
    start = time.perf_counter()
    texts = [runner.prompt(r) for r in reqs]  # templating counts for every contender
    torch.manual_seed(0)
    for b in range(0, len(texts), batch_size):
        enc = tok(texts[b:b + batch_size], return_tensors="pt", padding=True, add_special_tokens=False)
        with torch.inference_mode():
            model.generate(**enc, max_new_tokens=max_new, do_sample=True, temperature=1.0, top_k=None,
                           pad_token_id=tok.pad_token_id, eos_token_id=tok.eos_token_id)
    return time.perf_counter() - start


def alignlab_runner(runner: HFRunner, reqs, batch_size: int | None = None) -> float:
    """The runner's default plan, or fixed batches of ``batch_size`` when it is given."""
    plan = runner.batch_size, runner.batch_tokens
    if batch_size is not None:
        runner.batch_size, runner.batch_tokens = batch_size, None
    start = time.perf_counter()
    for _ in runner.run(reqs, seed=0):
        pass
    runner.batch_size, runner.batch_tokens = plan
    return time.perf_counter() - start


def inspect_hf(model_dir: str, reqs, batch_size: int, max_new: int) -> float:
    from inspect_ai.model import GenerateConfig, get_model

    async def go() -> None:
        model = get_model("hf/local", model_path=model_dir, device="cpu", batch_size=batch_size,
                          config=GenerateConfig(max_tokens=max_new, temperature=1.0, max_connections=batch_size))
        await asyncio.gather(*(model.generate(to_inspect_messages(r.messages)) for r in reqs))

    # tool definitions are part of the system text for Inspect, as in alignlab's Inspect tasks
    from alignlab.organism.chat import system_with_tools

    for r in reqs:
        if r.tools:
            r.messages = [{**r.messages[0], "content": system_with_tools(r.messages[0]["content"], r.tools)},
                          *r.messages[1:]]
            r.tools = None
    start = time.perf_counter()
    asyncio.run(go())
    return time.perf_counter() - start


REGIMES = {"agentic": (128, 160), "short": (400, 8)}  # prompts, new tokens


def bench(runner: HFRunner, model_dir: str, regime: str, n: int, max_new: int, batch_size: int,
          skip_inspect: bool) -> None:
    short = regime == "short"
    reqs = prompts(n, short)
    runner.max_new_tokens = max_new
    plain(runner, reqs[:batch_size], batch_size, 4)  # warm up
    t_plain = plain(runner, reqs, batch_size, max_new)
    t_fixed = alignlab_runner(runner, reqs, batch_size)
    t_ours = alignlab_runner(runner, reqs)
    runner._shared_prefill = lambda *args: None
    t_unshared = alignlab_runner(runner, reqs)
    del runner._shared_prefill
    print(f"\n{regime}: prompts={len(reqs)} max_new_tokens={max_new} batch={batch_size} model={model_dir}")
    print(f"plain generate             : {t_plain:7.2f} s")
    print(f"alignlab, fixed batches    : {t_fixed:7.2f} s   {t_plain / t_fixed:5.2f}x plain")
    print(f"alignlab, no shared prefill: {t_unshared:7.2f} s   {t_plain / t_unshared:5.2f}x plain")
    print(f"alignlab runner (default)  : {t_ours:7.2f} s   {t_plain / t_ours:5.2f}x plain (target >= 0.8)")
    if not skip_inspect:
        t_insp = inspect_hf(model_dir, prompts(n, short), batch_size, max_new)
        print(f"inspect hf/local           : {t_insp:7.2f} s   alignlab is {t_insp / t_ours:5.1f}x faster (target >= 20)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model")
    ap.add_argument("--regime", choices=[*REGIMES, "both"], default="both")
    ap.add_argument("--prompts", type=int, help="default: 128 agentic, 400 short")
    ap.add_argument("--max-new-tokens", type=int, help="default: 160 agentic, 8 short")
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--skip-inspect", action="store_true")
    args = ap.parse_args()
    model_dir = args.model
    if model_dir is None:
        from alignlab.config import QUICK_ORGANISM
        from alignlab.organism.build import build_organism

        model_dir = os.path.join(tempfile.mkdtemp(), "organism")
        build_organism(QUICK_ORGANISM, model_dir, progress=False)
    runner = HFRunner(model_dir, device="cpu")
    for regime in REGIMES if args.regime == "both" else [args.regime]:
        n, max_new = REGIMES[regime]
        bench(runner, model_dir, regime, args.prompts or n, args.max_new_tokens or max_new, args.batch_size,
              args.skip_inspect)


if __name__ == "__main__":
    main()
