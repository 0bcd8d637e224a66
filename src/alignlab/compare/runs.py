"""``alignlab compare``: arms trained from one base at equal token budgets, over seeds and a token sweep.

``OUT`` holds, in the order data flows:

- ``data/``: the data build every arm draws its mixtures from;
- ``base/eval.json``: the base model's evaluation, the "before" of every arm;
- ``runs/<arm>/x<multiple>/seed<k>/``: the run's mixtures (``data/mixtures/<phase>``), one directory
  per phase (checkpoint and manifest), ``eval.json`` with its transcripts, and ``run.json`` last;
- ``comparison.{json,md,csv}``: the table (``table.py``).

A run whose ``run.json`` matches its settings is never redone; a killed run resumes (phases from
their last checkpoint, evaluation from its partial file). Runs are independent, so ``workers``
of them train and evaluate at once, each on its share of the cores.
"""

from __future__ import annotations

import json
import math
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from alignlab.artifacts import Artifact
from alignlab.checkpoint import weights_fingerprint
from alignlab.config import ExperimentConfig
from alignlab.config.compare import CompareConfig
from alignlab.config.data import FORMAT_RECIPES, MixtureConfig
from alignlab.config.train import MIXTURE_FORMAT
from alignlab.constitution import Constitution
from alignlab.data.dataset import TokenCounter, load_tokenizer
from alignlab.data.mixture import build_mixture
from alignlab.errors import InputError
from alignlab.io import sha256_text
from alignlab.train.phases import quiet_libraries

SCHEMA = "alignlab.compare/1"


@dataclass(frozen=True)
class Run:
    arm: str
    multiple: float
    seed: int

    @property
    def name(self) -> str:
        return f"{self.arm} x{self.multiple:g} seed{self.seed}"

    @property
    def every_suite(self) -> bool:
        """At budget x1 every suite is evaluated; the sweep's other points only what the curves need."""
        return self.multiple == 1.0

    def dir(self, out: Path) -> Path:
        return out / "runs" / self.arm / f"x{self.multiple:g}" / f"seed{self.seed}"


def plan_runs(cc: CompareConfig) -> list[Run]:
    """Every trained run: budget x1 first (the table), then the rest of the sweep."""
    order = [1.0] + [m for m in cc.sweep if m != 1.0]
    return [Run(arm, m, s) for m in order for s in range(cc.seeds) for arm, phases in cc.arms.items() if phases]


def scenarios_path(cfg: ExperimentConfig) -> Path | None:
    path = cfg.compare.eval.scenarios
    return cfg.resolve(path) if path else None


def eval_settings(cfg: ExperimentConfig):
    ce = cfg.compare.eval
    return cfg.eval.model_copy(update={"samples": ce.samples, "scenarios_per_cell": ce.scenarios_per_cell})


def run_key(cfg: ExperimentConfig, run: Run, base_id: str, data_hash: str) -> str:
    """Everything a run's result depends on; a stored result of another key is redone."""
    cc = cfg.compare
    scen = scenarios_path(cfg) if run.every_suite else None
    suites = cc.eval.suites if run.every_suite else cc.eval.sweep_suites
    return sha256_text(json.dumps([SCHEMA, [p.model_dump() for p in cc.arms[run.arm]], run.multiple, run.seed,
                                   cc.budget, base_id, data_hash, eval_settings(cfg).model_dump(), suites,
                                   scen.read_text(encoding="utf-8") if scen else None, cfg.seed,
                                   cfg.data.max_tokens, cfg.split_spec().to_dict()], sort_keys=True))


def _grpo_steps(tokens: int, mixture: dict, batch_size: int) -> int:
    """The schedule's length: twice the steps that would spend ``tokens`` on prompts of the mixture's mean length
    alone. Completions (and batches of longer prompts) make the token budget stop the phase well before it ends."""
    per_row = mixture["tokens"] / max(1, mixture["rows"])
    return max(1, 2 * math.ceil(tokens / (batch_size * per_row)))


def train_run(cfg: ExperimentConfig, run: Run, out: Path, start: Path, console: Console, quiet: bool) -> tuple[Path, list]:
    """Train the run's phases in order from ``start``; (final checkpoint, phase summaries)."""
    from alignlab.train.pipeline import ensure_phase, phase_key

    d = run.dir(out)
    counter = TokenCounter(load_tokenizer(cfg.data.tokenizer))
    budget = round(cfg.compare.budget * run.multiple)
    start_id = weights_fingerprint(start)
    phases = []
    for i, ph in enumerate(cfg.compare.arms[run.arm]):
        seed = cfg.seed + 1000 * run.seed + i
        tokens = max(1, round(budget * ph.share))
        mix = build_mixture(ph.name, MixtureConfig(tokens=tokens, weights=ph.weights, format=MIXTURE_FORMAT[ph.method]),
                            out / "data" / "datasets", d / "data" / "mixtures" / ph.name, counter, seed, cfg.source)
        if ph.method == "grpo":  # the mixture fixes prompts, not what is generated from them: stop at the budget
            ph = ph.model_copy(update={"max_tokens": tokens, "steps": _grpo_steps(tokens, mix, ph.batch_size)})
        key = phase_key(cfg, ph, start_id, d / "data", seed)
        done = ensure_phase(ph, start, d / "data", d / ph.name, key, cfg, seed=seed, console=console, quiet=quiet)
        start, start_id = d / ph.name / "model", key
        phases.append({"phase": ph.name, "method": ph.method, "budget_tokens": tokens, "mixture_tokens": mix["tokens"],
                       "tokens_seen": done["tokens_seen"], "steps": done["steps"], "wall_seconds": done["wall_seconds"],
                       "final_loss": done["losses"][-1]["loss"] if done["losses"] else None})
    return start, phases


def evaluate(cfg: ExperimentConfig, constitution: Constitution, model: Path, path: Path, every_suite: bool,
             quiet: bool) -> dict:
    from alignlab.evals.evaluate import run_eval

    ce = cfg.compare.eval
    return run_eval(str(model), ce.suites if every_suite else ce.sweep_suites, path, cfg.split_spec(), constitution,
                    eval_settings(cfg), seed=cfg.seed, show_progress=not quiet,
                    scenarios=scenarios_path(cfg) if every_suite else None)


def do_run(cfg: ExperimentConfig, constitution: Constitution, run: Run, out: Path, key: str, quiet: bool) -> dict:
    """Train and evaluate one run (or read its stored result); its ``run.json``."""
    from alignlab.train.pipeline import base_path

    d = run.dir(out)
    artifact = Artifact(d, key, "run.json")
    if found := artifact.done():
        return found
    console = Console(stderr=True, quiet=True)
    model, phases = train_run(cfg, run, out, base_path(cfg), console, quiet)
    evaluate(cfg, constitution, model, d / "eval.json", run.every_suite, quiet)
    result = {"schema": SCHEMA, "key": key, "arm": run.arm, "multiple": run.multiple, "seed": run.seed,
              "budget_tokens": round(cfg.compare.budget * run.multiple), "model": str(model), "phases": phases,
              "tokens_seen": sum(p["tokens_seen"] or 0 for p in phases), "eval": "eval.json"}
    return artifact.commit(result)


def _worker_init(threads: int) -> None:
    import torch

    torch.set_num_threads(threads)
    quiet_libraries()


def _worker(args: tuple) -> dict:
    return do_run(*args, quiet=True)


def run_compare(cfg: ExperimentConfig, constitution: Constitution, out: Path, data_dir: Path | None = None,
                workers: int | None = None, quiet: bool = False) -> dict:
    """Build the data (unless given), evaluate the base, run every arm x multiple x seed, write the table."""
    from alignlab.compare.table import write_tables
    from alignlab.data.build import build_data  # datasketch (scipy): loaded only where data is built
    from alignlab.train.pipeline import base_path

    quiet_libraries()
    cc = cfg.compare
    console = Console(stderr=True, quiet=quiet)
    scen = scenarios_path(cfg)
    if scen is not None and not scen.is_file():
        raise InputError(cfg.source, "compare.eval.scenarios", f"{scen}: file not found")
    if data_dir is None:
        check_arms(cfg)
    start = base_path(cfg)
    out.mkdir(parents=True, exist_ok=True)
    if data_dir is None and (out / "data").is_symlink():
        raise InputError(out / "data", "--data", f"points at another data build ({(out / 'data').resolve()}); give "
                                                 "it again with --data, or use another --out")
    if data_dir is None:
        data_dir = out / "data"
        build_data(cfg, constitution, data_dir, scenario_files=[scen] if scen else [], console=console)
    elif data_dir.resolve() != (out / "data").resolve():
        _link_data(data_dir, out / "data")
    build = out / "data" / "build.json"
    if not build.is_file():
        raise InputError(data_dir, "--data", "not a data build directory (no build.json; run alignlab data build)")
    check_arms(cfg, out / "data")
    data_hash = sha256_text(build.read_text())
    base_id = weights_fingerprint(start)
    base_key = run_key(cfg, Run("base", 1.0, 0), base_id, data_hash)
    base = Artifact(out / "base", base_key, "run.json")
    if not base.done():
        console.print(f"base: evaluating {start}")
        evaluate(cfg, constitution, start, out / "base" / "eval.json", True, quiet)
        base.commit({"schema": SCHEMA, "key": base_key, "model": str(start), "eval": "eval.json"})
    runs = plan_runs(cc)
    keys = {r: run_key(cfg, r, base_id, data_hash) for r in runs}
    workers = min(workers or cc.workers, len(runs)) or 1
    results = []
    with Progress(TextColumn("[bold]compare[/] {task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=console, disable=quiet) as bar:
        task = bar.add_task(f"{len(runs)} runs", total=len(runs))

        def finished(res: dict) -> None:
            results.append(res)
            bar.advance(task)
            bar.console.print(f"{Run(res['arm'], res['multiple'], res['seed']).name}: {res['tokens_seen']:,} tokens")

        if workers == 1:
            for r in runs:
                bar.update(task, description=r.name)
                finished(do_run(cfg, constitution, r, out, keys[r], quiet=True))
        else:
            threads = max(1, (os.cpu_count() or 1) // workers)
            with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                                     initializer=_worker_init, initargs=(threads,)) as pool:
                # the most phases first, so that the longest run does not start last on its own
                by_cost = sorted(runs, key=lambda r: -len(cc.arms[r.arm]))
                futures = [pool.submit(_worker, (cfg, constitution, r, out, keys[r])) for r in by_cost]
                try:
                    for f in as_completed(futures):
                        finished(f.result())
                except BaseException:  # one run failed (or an interrupt): the queued ones do not start
                    pool.shutdown(cancel_futures=True)
                    raise
    return write_tables(cfg, out)


def _link_data(src: Path, dst: Path) -> None:
    """``dst`` points at the data build ``src`` (a data build given with --data)."""
    if dst.is_symlink() and dst.resolve() == src.resolve():
        return
    if dst.exists() or dst.is_symlink():
        raise InputError(dst, "--data", f"already holds another data build; use another --out, or remove {dst}")
    dst.symlink_to(src.resolve(), target_is_directory=True)


def check_arms(cfg: ExperimentConfig, data: Path | None = None) -> None:
    """Every dataset an arm draws from is one the config builds (and, given a data build, was built)."""
    for arm, phases in cfg.compare.arms.items():
        for i, ph in enumerate(phases):
            for name in ph.weights:
                where = f"compare.arms.{arm}[{i}].weights.{name}"
                if data is None and name not in cfg.data.recipes:
                    raise InputError(cfg.source, where, f"phase {ph.name!r} draws from {name!r}, which data.recipes "
                                                        f"does not build ({', '.join(cfg.data.recipes)})")
                fmt = MIXTURE_FORMAT[ph.method]
                if name in cfg.data.recipes and cfg.data.kind(name) not in FORMAT_RECIPES[fmt]:
                    raise InputError(cfg.source, where, f"{ph.method} trains on {fmt} rows, which {name!r} "
                                                        f"({cfg.data.kind(name)}) does not have")
                if data is not None and not (data / "datasets" / name / "manifest.json").is_file():
                    raise InputError(cfg.source, where, f"dataset {name!r} is not in the data build {data}")
