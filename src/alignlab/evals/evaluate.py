"""Run suites against a model, resumably, and turn transcripts into results.

Generation is appended batch by batch to ``<out>.partial.jsonl``; a rerun skips batches
already there. When every sample exists, transcripts (JSONL) and results (JSON) are written
atomically and the partial file is removed.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from alignlab.artifacts import Journal
from alignlab.checkpoint import read_manifest, weights_fingerprint
from alignlab.constitution import Constitution
from alignlab.evals.episodes import play, score_episode, turn_key
from alignlab.evals.suites import REGISTRY, EvalItem, build_suite, scenario_file_items
from alignlab.evals.suites.base import paired
from alignlab.grading.actions import ACTED, classify, refused
from alignlab.grading.adherence import score_probe
from alignlab.io import atomic_write_json, atomic_write_text, sha256_text
from alignlab.models.local import Completion, Request

SCHEMA = "alignlab.eval/1"


def requests_for(items: list[EvalItem], samples: int) -> list[Request]:
    """The single-turn requests (multi-turn episodes ask turn by turn: ``evals/episodes.play``)."""
    return [Request(f"{it.key}#{k}", it.messages(), it.tools()) for it in items if it.episode is None
            for k in range(samples)]


def partial_path(out: Path) -> Path:
    return out.with_name(out.stem + ".partial.jsonl")


def transcripts_path(out: Path) -> Path:
    return out.with_name(out.stem + ".transcripts.jsonl")


def generate_all(runner, requests: list[Request], seed: int, out: Path, meta: dict,
                 progress: Callable[[int], None] | None = None) -> dict[str, dict]:
    """Generate every request not already in the partial file; return all records by key."""
    journal = Journal(partial_path(out), meta)
    done = {rec["key"]: rec for rec in journal.read()}
    for batch in runner.run(requests, seed, skip=lambda keys: all(k in done for k in keys), progress=progress):
        rows = [_record(c) for c in batch]
        journal.append(rows)
        done.update((r["key"], r) for r in rows)
    return done


def _record(c: Completion) -> dict:
    rec = {"key": c.key, "text": c.text, "finished": c.finished, "new_tokens": c.new_tokens}
    return {**rec, "error": c.error} if c.error else rec


def score(items: list[EvalItem], samples: int, records: dict[str, dict], constitution: Constitution,
          judge_verdicts: dict[str, dict] | None = None) -> list[dict]:
    """One transcript row per sample, in request order, with its verdict."""
    rows = []
    for it in items:
        for k in range(samples):
            if it.episode is not None:  # its turns are records <key>#<k>/t1, /t2, ...
                key = f"{it.key}#{k}"
                rows.append(score_episode(it, key, [records[turn_key(key, t)] for t in range(1, it.episode.max_turns + 1)
                                                    if turn_key(key, t) in records]))
                continue
            rec = records[f"{it.key}#{k}"]
            row = {"key": rec["key"], "suite": it.suite, "group": it.group, "text": rec["text"],
                   "finished": rec["finished"], "new_tokens": rec["new_tokens"]}
            if "error" in rec:  # a remote request that failed: kept beside its empty text
                row["error"] = rec["error"]
            if it.probe is not None:
                row.update(principle=it.probe.principle, expect=it.probe.expect,
                           **score_probe(it.probe, rec["text"], rec["finished"]))
                if judge_verdicts is not None and rec["key"] in judge_verdicts:  # the judge reads the reason
                    jv = judge_verdicts[rec["key"]]
                    row.update(judge=jv, rule_gave_reason=row["gave_reason"], gave_reason=jv["verdict"] == "yes")
                    row["adherent"] = row["aligned_stance"] and row["gave_reason"]
            else:
                s = it.scenario
                v = classify(s, rec["text"], rec["finished"])
                row.update(cell=s.cell.id, family=s.family, status=v.status, harmful=v.harmful,
                           completed=v.completed, calls=v.calls, unknown_tools=v.unknown_tools, detail=v.detail)
                if judge_verdicts is not None and rec["key"] in judge_verdicts:
                    jv = judge_verdicts[rec["key"]]
                    row.update(judge=jv, rule_harmful=v.harmful, harmful=jv["verdict"] == "yes")
                    if jv["verdict"] == "error":  # no verdict came back: not harmless
                        row.update(status="unparseable", detail="judge gave no verdict")
                    elif row["harmful"] and row["status"] not in ACTED:  # the judge found an act the rules could not parse
                        row["status"] = "action"
                if s.kind == "benign":
                    row["refused"] = refused(rec["text"], v)
                if row["harmful"]:
                    row["principles"] = [p.id for p in constitution.for_family(s.family)]
            rows.append(row)
    return rows


def summarise(rows: list[dict]) -> dict:
    """Results per suite, each summarised by its ``Suite`` (per OOD axis, per cell, per principle, per framing);
    a suite paired with another gains the paired difference over their shared scenarios."""
    by_suite: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        by_suite[r["suite"]].append(r)
    suites = {name: REGISTRY[name].summarise(rs) for name, rs in by_suite.items()}
    for name in suites:
        other = REGISTRY[name].paired_with
        if other in suites:
            suites[name][f"vs_{other}"] = paired(by_suite[name], by_suite[other])
    return suites


def headline(suites: dict) -> list[dict]:
    """The rows a person reads first (metric, rate, 95 % CI, n, invalid outputs), in the suites' headline order."""
    rows = [r for name, s in suites.items() for r in REGISTRY[name].headline(name, s)]
    return [r for _, r in sorted(rows, key=lambda x: x[0])]


def evaluate_in_memory(runner, suites: list[str], split, constitution: Constitution, settings, seed: int = 0) -> dict:
    """Generate, score and summarise without writing anything: the evaluation run during training."""
    items = [it for name in suites for it in build_suite(name, split, constitution, settings.scenarios_per_cell, seed)]

    def generate(requests: list[Request], at: int) -> dict[str, dict]:
        return {c.key: _record(c) for batch in runner.run(requests, at) for c in batch}

    records = generate(requests_for(items, settings.samples), seed)
    records.update(_play_all(items, settings.samples, generate, seed))
    summary = summarise(score(items, settings.samples, records, constitution))
    return {"suites": summary, "headline": headline(summary)}


def _play_all(items: list[EvalItem], samples: int, generate, seed: int) -> dict[str, dict]:
    """Every turn record of the multi-turn items' episodes, by turn key."""
    episodes = [it for it in items if it.episode is not None]
    return {rec["key"]: rec for turns in play(episodes, samples, generate, seed).values() for rec in turns}


def write_outputs(out: Path, rows: list[dict], results: dict) -> None:
    atomic_write_text(transcripts_path(out), "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    atomic_write_json(out, results)
    partial_path(out).unlink(missing_ok=True)
    out.with_name(out.stem + ".judge.partial.jsonl").unlink(missing_ok=True)


def run_eval(model: str, suites: list[str], out: str | Path, split, constitution: Constitution, settings,
             seed: int = 0, runner=None, judge=None, show_progress: bool = True,
             scenarios: str | Path | None = None, fresh: int | None = None) -> dict:
    """Evaluate ``model`` (a local checkpoint dir, or any runner) on ``suites`` and, when given, on a file of
    hand-written ``scenarios`` (the ``handwritten`` suite); write and return results. ``fresh``: every
    suite's scenarios with made-up specifics (a seed), to test reading rather than recall."""
    from alignlab.models.local import local_runner

    out = Path(out)
    items = [it for name in suites
             for it in build_suite(name, split, constitution, settings.scenarios_per_cell, seed, fresh=fresh)]
    if scenarios is not None:
        items += scenario_file_items(scenarios)
        suites = [*suites, "handwritten"]
    requests = requests_for(items, settings.samples)
    turns = sum(it.episode.max_turns * settings.samples for it in items if it.episode is not None)  # at most
    if runner is None:
        runner = local_runner(model, settings.batch_size, settings.batch_tokens,
                              max_new_tokens=settings.max_new_tokens, temperature=settings.temperature)
    scenario_hash = sha256_text(Path(scenarios).read_text(encoding="utf-8")) if scenarios is not None else None
    meta = {"model": weights_fingerprint(model), "suites": suites, "scenarios": scenario_hash, "fresh_specifics": fresh,
            "settings": settings.model_dump(), "seed": seed, "split": split.to_dict(),
            "constitution": constitution.content_hash(), "requests": len(requests), "episode_turns": turns}
    with Progress(TextColumn("[bold]eval[/] {task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeRemainingColumn(), disable=not show_progress, transient=True) as bar:
        task = bar.add_task(", ".join(suites), total=len(requests) + turns)
        records = generate_all(runner, requests, seed, out, meta, progress=lambda n: bar.advance(task, n))
        if turns:  # an episode that ends early leaves the rest of its turns on the bar: the total is a bound
            records.update(_play_all(items, settings.samples, lambda reqs, at: generate_all(
                runner, reqs, at, out, meta, progress=lambda n: bar.advance(task, n)), seed))
    verdicts = judge.judge_all(items, settings.samples, records, out) if judge is not None else None
    rows = score(items, settings.samples, records, constitution, verdicts)
    suite_results = summarise(rows)
    model_manifest = read_manifest(model) if Path(str(model)).is_dir() else None
    results = {
        "schema": SCHEMA,
        "model": str(model),
        "model_parameters": (model_manifest or {}).get("parameters"),
        "seed": seed,
        "fresh_specifics": fresh,
        "settings": settings.model_dump(),
        "split": split.to_dict(),
        "constitution": {"name": constitution.name, "sha256": constitution.content_hash()},
        "classifier": "rule" if judge is None else f"rule+judge:{judge.name}",
        "samples_total": len(rows),
        "suites": suite_results,
        "headline": headline(suite_results),
        "transcripts": transcripts_path(out).name,
    }
    write_outputs(out, rows, results)
    return results
