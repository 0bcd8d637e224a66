"""Command line: one verb per stage; ``demo`` runs the whole loop on the embedded organism."""

from __future__ import annotations

import functools
import json
import os
import re
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # nothing is downloaded at run time: models are local paths

from alignlab import tables
from alignlab.audit.seeds import shipped_seeds_dir
from alignlab.checkpoint import check_checkpoint, default_organism_path, read_manifest
from alignlab.config import QUICK_ORGANISM, default_config_path, load_config
from alignlab.config.organism import CorpusConfig
from alignlab.constitution import default_constitution_path, load_constitution
from alignlab.data.show import show
from alignlab.errors import InputError
from alignlab.evals.suites import SUITES
from alignlab.io import atomic_write_json, atomic_write_text
from alignlab.monitor.plot import trend_png
from alignlab.world.cells import SplitSpec, default_split_path
from alignlab.world.generate import make_scenarios
from alignlab.world.pools import PARTITIONS
from alignlab.world.scenario_file import load_scenarios

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)
organism_app = typer.Typer(no_args_is_help=True, help="Build the model organism.")
world_app = typer.Typer(no_args_is_help=True, help="Inspect the scenario world.")
constitution_app = typer.Typer(no_args_is_help=True, help="Check constitutions.")
data_app = typer.Typer(no_args_is_help=True, help="Build training data from the constitution.")
app.add_typer(organism_app, name="organism")
app.add_typer(world_app, name="world")
app.add_typer(constitution_app, name="constitution")
app.add_typer(data_app, name="data")
console = Console()
err = Console(stderr=True)

DEFAULT_CONFIG = default_config_path()


def clean_errors(fn):
    """Bad input: one line naming the file and field, exit code 2."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except InputError as exc:
            err.print(f"[red]error:[/] {exc}", highlight=False, soft_wrap=True)
            raise typer.Exit(2) from None

    return wrapper


def _constitution(cfg, override: Optional[Path] = None):
    """``override``, else the config's constitution (both relative to the config), else the shipped one."""
    path = override or (cfg.constitution if cfg else None) or None  # an empty setting: the shipped one
    if path is None:
        return load_constitution(default_constitution_path())
    return load_constitution(cfg.resolve(path) if cfg else path)


@organism_app.command("build")
@clean_errors
def organism_build(
    config: Annotated[Path, typer.Option(help="experiment YAML")] = DEFAULT_CONFIG,
    out: Annotated[Path, typer.Option(help="checkpoint directory to write")] = Path("runs/organism"),
    quick: Annotated[bool, typer.Option(help="tiny preset for tests (seconds, not minutes)")] = False,
    seed: Annotated[Optional[int], typer.Option(help="override the config seed")] = None,
    device: Annotated[str, typer.Option(help="cpu or cuda")] = "cpu",
) -> None:
    """Pretrain the organism from scratch on the world corpus; resumes after a kill."""
    import torch

    from alignlab.organism.build import build_organism

    if device not in ("cpu", "cuda"):
        raise InputError(None, "--device", f"unknown device {device!r}; known: cpu, cuda")
    if device == "cuda" and not torch.cuda.is_available():
        raise InputError(None, "--device", "cuda requested but no CUDA device is available")
    cfg = load_config(config)
    manifest = build_organism(QUICK_ORGANISM if quick else cfg.organism, out, seed=cfg.seed if seed is None else seed,
                              device=device)
    console.print(f"organism: {out}  parameters={manifest['parameters']:,}  corpus tokens={manifest['corpus']['tokens']:,}  "
                  f"tokens seen={manifest['tokens_seen']:,}  final loss={manifest['final_loss']}  "
                  f"copy probe={manifest['copy_probe']['exact']:.0%}"
                  + (f" (in inboxes {manifest['copy_probe']['scenario']['exact']:.0%})" if "scenario" in manifest["copy_probe"]
                     else "") + f"  build={manifest['build_seconds']}s")
    if "probes" in manifest:
        for shown in tables.probe_tables(manifest["probes"]):
            console.print(shown)


@organism_app.command("probe")
@clean_errors
def organism_probe(
    organism: Annotated[Optional[Path], typer.Option(help="organism checkpoint; default: the shipped one")] = None,
    config: Annotated[Path, typer.Option(help="experiment YAML (its split; the organism's corpus is read from its manifest)")]
    = DEFAULT_CONFIG,
    out: Annotated[Optional[Path], typer.Option(help="write the probes as JSON here")] = None,
    per_cell: Annotated[int, typer.Option(min=1, help="scenarios per in-distribution cell")] = 4,
    samples: Annotated[int, typer.Option(min=1, help="samples per scenario")] = 4,
    seed: Annotated[int, typer.Option(help="scenario and sampling seed")] = 0,
) -> None:
    """The character probes: does a description in context, or read about in pretraining, move what it does?"""
    from alignlab.organism.probes import character_probes

    path = check_checkpoint(organism or default_organism_path())
    if out is not None and out.is_dir():
        raise InputError(out, "--out", "is a directory; give a file name")
    corpus = (read_manifest(path) or {}).get("corpus", {}).get("config")
    if corpus is None:
        raise InputError(path, "alignlab_manifest.json: corpus.config", "missing: not an alignlab organism")
    cfg = load_config(config)
    result = character_probes(str(path), CorpusConfig(**corpus), cfg.split_spec(), per_cell, samples, seed)
    for shown in tables.probe_tables(result):
        console.print(shown)
    if out is not None:
        atomic_write_json(out, result)


def _out_dir(out: Path) -> None:
    """--out names a directory (or nothing yet)."""
    if out.exists() and not out.is_dir():
        raise InputError(out, "--out", "must be a directory")


def _data_build(data: Path | None) -> None:
    """--data, when given, is a finished data build."""
    if data is not None and not (data / "build.json").is_file():
        raise InputError(data, "--data", "not a data build directory (no build.json; run alignlab data build)")


def _fresh_seed(seed: int | None) -> int | None:
    """A --fresh-specifics seed, checked."""
    if seed is not None and seed < 0:
        raise InputError(None, "--fresh-specifics", f"must be a seed >= 0, got {seed}")
    return seed


@app.command("eval")
@clean_errors
def eval_cmd(
    model: Annotated[Optional[str], typer.Option(help="local checkpoint dir (or provider/model with --remote); "
                                                 "default: the shipped organism")] = None,
    suites: Annotated[str, typer.Option(help="comma-separated suites")] = "agentic,agentic_ood,honeypot,constitution_adherence,ood_constitution,capability",
    samples: Annotated[Optional[int], typer.Option(help="samples per scenario (default: config eval.samples)")] = None,
    out: Annotated[Path, typer.Option(help="results JSON; transcripts go beside it")] = Path("runs/results.json"),
    config: Annotated[Path, typer.Option(help="experiment YAML (split, eval settings)")] = DEFAULT_CONFIG,
    seed: Annotated[Optional[int], typer.Option()] = None,
    judge: Annotated[Optional[str], typer.Option(help="Inspect model for the LLM judge, e.g. openai-api/local/organism")] = None,
    judge_base_url: Annotated[Optional[str], typer.Option(help="base URL for an OpenAI-compatible judge")] = None,
    remote: Annotated[bool, typer.Option(help="MODEL is an Inspect provider/model, not a local dir")] = False,
    base_url: Annotated[Optional[str], typer.Option(help="base URL for an OpenAI-compatible --remote model "
                                                    "(default: <SERVICE>_BASE_URL)")] = None,
    quiet: Annotated[bool, typer.Option(help="no progress bar")] = False,
    scenarios: Annotated[Optional[Path], typer.Option(help="YAML of hand-written scenarios, scored as the "
                                                      "'handwritten' suite")] = None,
    fresh_specifics: Annotated[Optional[int], typer.Option(
        help="SEED: every suite's scenarios with made-up names and specifics, to test reading, not recall")] = None,
) -> None:
    """Evaluate agentic misalignment in and out of distribution, constitution adherence and capability."""
    from alignlab.evals.evaluate import run_eval

    cfg = load_config(config)
    if model is None:
        if remote:
            raise InputError(None, "--model", "required with --remote (an Inspect provider/model)")

        model = str(default_organism_path())
    if samples is not None and samples < 1:
        raise InputError(None, "--samples", f"must be at least 1, got {samples}")
    _fresh_seed(fresh_specifics)
    if out.is_dir() or out.suffix != ".json":
        raise InputError(out, "--out", "must be a .json file path (transcripts are written beside it)")
    names = [s.strip() for s in suites.split(",") if s.strip()]
    if not names:
        raise InputError(None, "--suites", "no suite given")
    for s in names:
        if s not in SUITES:
            raise InputError(None, "--suites", f"unknown suite {s!r}; known: {', '.join(SUITES)}")
    if scenarios is not None:
        load_scenarios(scenarios)  # check the file before any work
    settings = cfg.eval.model_copy(update={"samples": samples} if samples else {})
    runner = None
    if base_url and not remote:
        raise InputError(None, "--base-url", "only with --remote")
    if remote:
        from alignlab.models.remote import InspectRunner, missing_base_url

        if var := missing_base_url(model, base_url):
            raise InputError(None, f"--model {model}", f"set --base-url or {var}")
        try:
            runner = InspectRunner(model, max_new_tokens=settings.max_new_tokens, temperature=settings.temperature,
                                   base_url=base_url)
        except (ValueError, ImportError) as exc:
            raise InputError(None, "--model", str(exc).splitlines()[0]) from None
    else:
        check_checkpoint(model)
    judge_obj = None
    if judge:
        from alignlab.evals.judge import Judge

        judge_obj = Judge(judge, base_url=judge_base_url)
    results = run_eval(model, names, out, cfg.split_spec(), _constitution(cfg), settings,
                       seed=cfg.seed if seed is None else seed, runner=runner, judge=judge_obj, show_progress=not quiet,
                       scenarios=scenarios, fresh=fresh_specifics)
    console.print(tables.headline_table(results))
    console.print(f"results: {out}  transcripts: {out.with_name(results['transcripts'])}")


@app.command("audit")
@clean_errors
def audit_cmd(
    seeds: Annotated[Optional[Path], typer.Option(help="folder of seed .md files (YAML front matter with tags, "
                                                  "one instruction each); default: the shipped seeds")] = None,
    model: Annotated[str, typer.Option(help="target: 'organism', a local checkpoint dir, or provider/model with "
                                       "--remote")] = "organism",
    remote: Annotated[bool, typer.Option(help="MODEL is an Inspect provider/model")] = False,
    base_url: Annotated[Optional[str], typer.Option(help="base URL for an OpenAI-compatible --remote target")] = None,
    auditor: Annotated[str, typer.Option(help="'builtin' (stages the world's episodes from the seeds' tags) or an "
                                         "Inspect provider/model")] = "builtin",
    auditor_base_url: Annotated[Optional[str], typer.Option(help="base URL for an OpenAI-compatible auditor")] = None,
    judge: Annotated[str, typer.Option(help="'builtin' (scores what rules can decide) or an Inspect provider/model "
                                       "(scores every dimension)")] = "builtin",
    judge_base_url: Annotated[Optional[str], typer.Option(help="base URL for an OpenAI-compatible judge")] = None,
    dimensions: Annotated[Optional[str], typer.Option(help="comma-separated dimensions (default: all)")] = None,
    samples: Annotated[int, typer.Option(help="audits per seed")] = 1,
    turns: Annotated[int, typer.Option(help="most target turns per audit")] = 4,
    out: Annotated[Path, typer.Option(help="directory: audit.json and Inspect logs (logs/)")] = Path("runs/audit"),
    seed: Annotated[int, typer.Option()] = 0,
    fresh_specifics: Annotated[Optional[int], typer.Option(
        help="SEED: the built-in auditor's episodes with made-up names and specifics")] = None,
    quiet: Annotated[bool, typer.Option(help="no progress display")] = False,
) -> None:
    """Audit a model over many turns: an auditor stages each seed, a judge scores the transcript per dimension."""
    from alignlab.audit.run import run_audit

    target = model
    if model == "organism" and not remote:
        target = str(default_organism_path())
    elif base_url and not remote:
        raise InputError(None, "--base-url", "only with --remote")
    names = [d.strip() for d in dimensions.split(",") if d.strip()] if dimensions is not None else None
    if names is not None and not names:
        raise InputError(None, "--dimensions", "no dimension given")
    summary = run_audit(target, seeds or shipped_seeds_dir(), out, remote=remote, base_url=base_url, auditor=auditor,
                        auditor_base_url=auditor_base_url, judge=judge, judge_base_url=judge_base_url,
                        dimensions=names, samples=samples, turns=turns, seed=seed, fresh=_fresh_seed(fresh_specifics),
                        quiet=quiet)
    console.print(tables.audit_table(summary))
    for reason, n in summary["missing_reasons"].items():
        console.print(f"missing: {n} audit(s): {reason}", highlight=False)
    console.print(f"summary: {out / 'audit.json'}  transcripts: inspect view --log-dir {out / 'logs'}")


@world_app.command("scenarios")
@clean_errors
def world_scenarios(
    split: Annotated[Optional[Path], typer.Option(help="split spec YAML (default: the shipped one)")] = None,
    which: Annotated[str, typer.Option(help="id, or ood_<axis>")] = "id",
    per_cell: Annotated[int, typer.Option()] = 2,
    partition: Annotated[str, typer.Option(help="pretrain | train | eval")] = "eval",
    seed: Annotated[int, typer.Option()] = 0,
    honeypot: Annotated[bool, typer.Option()] = False,
    fresh_specifics: Annotated[Optional[int], typer.Option(help="SEED: the same scenarios with made-up specifics")] = None,
    out: Annotated[Optional[Path], typer.Option(help="JSONL file (default: stdout)")] = None,
) -> None:
    """Write the scenarios of one part of a split as JSONL."""
    if partition not in PARTITIONS:
        raise InputError(None, "--partition", f"unknown partition {partition!r}; known: {', '.join(PARTITIONS)}")
    if per_cell < 1:
        raise InputError(None, "--per-cell", f"must be at least 1, got {per_cell}")
    spec = SplitSpec.load(split or default_split_path())
    cells = spec.in_distribution_cells() if which == "id" else spec.held_out_cells(which.removeprefix("ood_"))
    if not cells:
        raise InputError(split, "held_out", f"no cells for {which!r}; axes: {', '.join(spec.axes())}")
    scen = make_scenarios(cells, partition=partition, per_cell=per_cell, seed=seed, honeypot=honeypot,
                          fresh=_fresh_seed(fresh_specifics))
    text = "".join(s.model_dump_json() + "\n" for s in scen)
    if out:
        atomic_write_text(out, text)
        console.print(f"{len(scen)} scenarios -> {out}")
    else:
        sys.stdout.write(text)


@world_app.command("corpus")
@clean_errors
def world_corpus(
    config: Annotated[Path, typer.Option(help="experiment YAML")] = DEFAULT_CONFIG,
    out: Annotated[Path, typer.Option(help="JSONL file")] = Path("runs/corpus.jsonl"),
) -> None:
    """Write the organism's pretraining corpus as JSONL ({"kind", "text"} per line)."""
    from alignlab.organism.corpus import CorpusWriter

    cfg = load_config(config)
    lines = [json.dumps({"kind": k, "text": t}) + "\n" for k, t in CorpusWriter(cfg.organism.corpus).documents()]
    atomic_write_text(out, "".join(lines))
    console.print(f"{len(lines)} documents -> {out}")


@constitution_app.command("check")
@clean_errors
def constitution_check(path: Annotated[Optional[Path], typer.Argument(help="constitution .md (default: shipped)")] = None) -> None:
    """Validate a constitution and list its principles."""
    c = _constitution(None, path)
    for p in c.principles:
        reasons = f"{len(p.reasons)} reasons" if p.reasons else "no Reasons: adherence reads its Why sentence by sentence"
        console.print(f"[bold]{p.id}[/]: {p.title}  ({len(p.behaviours)} behaviours; {reasons}; "
                      f"families: {', '.join(p.families) or '-'})")
    console.print(f"{len(c.principles)} principles, sha256 {c.content_hash()[:12]}")


@data_app.command("build")
@clean_errors
def data_build(
    config: Annotated[Path, typer.Option(help="experiment YAML (its data section)")] = DEFAULT_CONFIG,
    out: Annotated[Path, typer.Option(help="directory: datasets/<recipe>/ and mixtures/<phase>/")] = Path("runs/data"),
    iterations: Annotated[Optional[int], typer.Option(help="quality-loop rounds (default: config data.quality.iterations)")] = None,
    scenarios: Annotated[Optional[list[Path]], typer.Option(help="more scenario files to decontaminate against "
                                                            "(repeatable)")] = None,
    quiet: Annotated[bool, typer.Option(help="no progress lines")] = False,
) -> None:
    """Build every dataset the config names (resuming finished ones), then its phase mixtures."""
    from alignlab.data.build import build_data  # datasketch (scipy): loaded only where data is built

    if iterations is not None and iterations < 0:
        raise InputError(None, "--iterations", f"must be at least 0, got {iterations}")
    _out_dir(out)
    for p in scenarios or []:
        if not p.is_file():
            raise InputError(p, "--scenarios", "file not found")
    cfg = load_config(config)
    summary = build_data(cfg, _constitution(cfg), out, iterations=iterations, scenario_files=scenarios or [],
                         console=Console(stderr=True, quiet=quiet))
    console.print(tables.data_table(out, summary))


@data_app.command("export-verl")
@clean_errors
def data_export_verl(
    data: Annotated[Path, typer.Option(help="a data build directory")] = Path("runs/data"),
    mixture: Annotated[str, typer.Option(help="a prompts mixture")] = "rl",
    out: Annotated[Path, typer.Option(help="parquet file to write")] = Path("runs/verl/rl.parquet"),
) -> None:
    """Write a prompts mixture as verl RL rows (parquet); its reward is alignlab.train.verl.compute_score."""
    from alignlab.train.verl import export

    if out.suffix != ".parquet":
        raise InputError(out, "--out", "must be a .parquet file path")
    _data_build(data)
    n = export(data, mixture, out)
    console.print(f"{n} environments -> {out}  (reward: alignlab.train.verl.compute_score)")


@data_app.command("show")
@clean_errors
def data_show(
    path: Annotated[Path, typer.Argument(help="a data build directory, or one dataset or mixture directory in it")],
    samples: Annotated[int, typer.Option(help="rendered samples to print per dataset")] = 1,
) -> None:
    """Print manifests and a few rendered samples."""
    if samples < 0:
        raise InputError(None, "--samples", f"must be at least 0, got {samples}")
    show(path, samples, console)


@app.command("train")
@clean_errors
def train_cmd(
    config: Annotated[Path, typer.Option(help="experiment YAML (its train and data sections)")] = DEFAULT_CONFIG,
    out: Annotated[Path, typer.Option(help="run directory: data/, one directory per phase, pipeline.json")] = Path("runs/train"),
    data: Annotated[Optional[Path], typer.Option(help="a data build directory (default: OUT/data, built from the config)")] = None,
    phase: Annotated[Optional[str], typer.Option(help="train only this phase (the ones before it must be done)")] = None,
    base: Annotated[Optional[str], typer.Option(help="start checkpoint (default: config train.base)")] = None,
    quick: Annotated[bool, typer.Option(help="a few samples and steps per phase (seconds, for tests)")] = False,
    quiet: Annotated[bool, typer.Option(help="no progress output")] = False,
) -> None:
    """Train the config's phases in order (SFT, DPO, GRPO with TRL), evaluating before and after each."""
    _out_dir(out)
    _data_build(data)
    cfg = load_config(config)  # a bad config fails before the trainers' imports (seconds)
    from alignlab.train.pipeline import quick as quick_cfg
    from alignlab.train.pipeline import run_pipeline

    if quick:
        cfg = quick_cfg(cfg)
    summary = run_pipeline(cfg, _constitution(cfg), out, data_dir=data, only=phase, base=base, quiet=quiet)
    console.print(tables.train_table(cfg.train.eval.suites, out, summary))
    console.print(f"summary: {out / 'pipeline.json'}")


@app.command("compare")
@clean_errors
def compare_cmd(
    config: Annotated[Path, typer.Option(help="experiment YAML (its compare and data sections)")] = DEFAULT_CONFIG,
    out: Annotated[Path, typer.Option(help="directory: data/, base/, runs/, comparison.{json,md,csv}")] = Path("runs/compare"),
    data: Annotated[Optional[Path], typer.Option(help="a data build directory (default: OUT/data, built from the config)")] = None,
    workers: Annotated[Optional[int], typer.Option(help="runs at once (default: config compare.workers)")] = None,
    scenarios: Annotated[Optional[Path], typer.Option(help="hand-written scenarios YAML, scored as the 'handwritten' "
                                                      "suite (default: config compare.eval.scenarios)")] = None,
    quick: Annotated[bool, typer.Option(help="a tiny budget, one seed, x1 only (for tests)")] = False,
    quiet: Annotated[bool, typer.Option(help="no progress output")] = False,
) -> None:
    """Train every arm from the same base at equal token budgets (seeds x token sweep), evaluate, print the table."""
    _out_dir(out)
    if workers is not None and workers < 1:
        raise InputError(None, "--workers", f"must be at least 1, got {workers}")
    _data_build(data)
    _compare(load_config(config), out, data=data, workers=workers, scenarios=scenarios, quick=quick, quiet=quiet)


def _compare(cfg, out: Path, data: Optional[Path], workers: Optional[int], scenarios: Optional[Path], quick: bool,
             quiet: bool) -> None:
    from alignlab.compare.runs import run_compare
    from alignlab.train.pipeline import quick as quick_cfg

    if scenarios is not None:
        load_scenarios(scenarios)  # check the file before any work
        cfg.compare.eval.scenarios = str(scenarios.resolve())
    if quick:
        cfg = quick_cfg(cfg)
    result = run_compare(cfg, _constitution(cfg), out, data_dir=data, workers=workers, quiet=quiet)
    for shown in tables.comparison_tables(result):
        console.print(shown)
    console.print(f"table: {out / 'comparison.md'}  csv: {out / 'comparison.csv'}")


@app.command("report")
@clean_errors
def report_cmd(path: Annotated[Path, typer.Argument(help="a compare directory (alignlab compare --out)")]) -> None:
    """Write DIR/report.html: one self-contained page (table, charts, transcripts, config, versions)."""
    from alignlab.compare.report import render

    if not path.is_dir():
        raise InputError(path, "DIR", "not a directory")
    console.print(f"report: {render(path)}")


@app.command("monitor")
@clean_errors
def monitor_cmd(
    model: Annotated[str, typer.Option(help="the monitored model's name ('organism': the shipped one)")],
    config: Annotated[Path, typer.Option(help="experiment YAML (its monitor, eval and train sections)")] = DEFAULT_CONFIG,
    checkpoint: Annotated[Optional[Path], typer.Option(help="register or move MODEL to this checkpoint "
                                                       "(default: its current one in the store)")] = None,
    results: Annotated[Optional[Path], typer.Option(help="record this evaluation's results instead of evaluating")] = None,
    apply: Annotated[bool, typer.Option(help="carry out the triggered actions through the training pipeline")] = False,
    history: Annotated[bool, typer.Option(help="print the model's history and write its trend plot; no evaluation")] = False,
    db: Annotated[Optional[str], typer.Option(help="SQLAlchemy URL of the store (default: config monitor.db)")] = None,
    out: Annotated[Path, typer.Option(help="directory for evaluations, retraining runs and plots")] = Path("runs/monitor"),
    quiet: Annotated[bool, typer.Option(help="no progress output")] = False,
) -> None:
    """Evaluate a model (or read its results), record it, print alerts (read from intervals) and triggered actions."""
    from alignlab.monitor.cycle import monitor
    from alignlab.monitor.store import Store, where

    _out_dir(out)

    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,199}", model):
        raise InputError(None, "--model", f"{model!r}: a name of letters, digits, '_', '.' and '-' (it names files)")
    if checkpoint is not None:
        check_checkpoint(checkpoint)
    cfg = load_config(config)
    if history:
        url = db or cfg.monitor.db
        store = Store.existing(url)
        past = store.history(model) if store is not None else []
        if not past:
            raise InputError(None, "--model", f"no record of {model!r} in {where(url, store)}")
        console.print(tables.history_table(model, past))
        out.mkdir(parents=True, exist_ok=True)
        path = out / f"{model}-trend.png"
        path.write_bytes(trend_png(model, past, cfg.monitor.thresholds()))
        console.print(f"trend: {path}")
        return
    found = monitor(cfg, _constitution(cfg), model, out, checkpoint=str(checkpoint) if checkpoint else None,
                    results=results, apply=apply, db=db, quiet=quiet)
    console.print(f"checkpoint: {found['checkpoint']}")
    console.print(tables.monitor_table(model, found))
    for m in found["metrics"]:
        if m["status"] in tables.STATUS_COLOUR:
            console.print(f"{m['name']}: {m['status']}: {m['message']}", highlight=False)
    for t in found["triggers"]:
        console.print(f"[bold]trigger[/] {t['trigger']} -> {t['action']}")
    if not found["triggers"]:
        console.print("no trigger fired")
    elif found["applied"]:
        a = found["applied"]
        console.print(f"applied {', '.join(a['actions'])}: phases {', '.join(a['phases'])} -> {a['checkpoint']}; "
                      f"{model} now points there (run alignlab monitor --model {model} to evaluate it)")
    else:
        console.print("not applied (add --apply to retrain)")
    console.print(f"store: {found['store']}  results: {found['results']}")


@app.command("serve")
@clean_errors
def serve_cmd(
    model: Annotated[Path, typer.Argument(help="local checkpoint dir")],
    host: Annotated[str, typer.Option(help="loopback only unless you mean it")] = "127.0.0.1",
    port: Annotated[int, typer.Option()] = 8000,
    name: Annotated[str, typer.Option(help="model name the API reports")] = "organism",
) -> None:
    """Serve a checkpoint as an OpenAI-compatible chat-completions endpoint."""
    from alignlab.models.serve import serve

    serve(model, host=host, port=port, name=name)


@app.command("demo")
@clean_errors
def demo(
    config: Annotated[Path, typer.Option(help="experiment YAML")] = DEFAULT_CONFIG,
    out: Annotated[Path, typer.Option(help="run directory")] = Path("runs/demo"),
    build: Annotated[bool, typer.Option(help="rebuild the organism from the config instead of using the shipped one")] = False,
    scenarios: Annotated[Optional[Path], typer.Option(help="hand-written scenarios: the data is decontaminated against "
                                                      "them and every arm is scored on them ('handwritten')")] = None,
    quick: Annotated[bool, typer.Option(help="tiny data, budgets and evaluations (under two minutes, for tests)")] = False,
) -> None:
    """The whole loop on the embedded default: the shipped organism (or a fresh build), training data from the
    constitution, every method's arm trained at the same token budget and evaluated, the table and the report."""
    _out_dir(out)
    if scenarios is not None and not scenarios.is_file():
        raise InputError(scenarios, "--scenarios", "file not found")
    cfg = load_config(config)
    if build:
        organism_build(config=config, out=out / "organism", quick=quick, seed=None, device="cpu")
        base = str((out / "organism").resolve())  # the built organism is the base of every arm
        cfg = cfg.model_copy(update={"train": cfg.train.model_copy(update={"base": base})})
    _compare(cfg, out, data=None, workers=None, scenarios=scenarios, quick=quick, quiet=False)
    report_cmd(path=out)


def main() -> None:  # pragma: no cover - console script entry
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
