"""One monitoring cycle: evaluate a named model (or read its results), record, alert, trigger, and (``apply``)
retrain through the phase pipeline, recording the outcome.

The model's current checkpoint lives in the store, so after a retraining the next cycle
evaluates the new checkpoint under the same name, and the history shows both.
"""

from __future__ import annotations

import json
from pathlib import Path

from rich.console import Console

from alignlab.artifacts import Artifact
from alignlab.audit.seeds import shipped_seeds_dir
from alignlab.checkpoint import check_checkpoint, default_organism_path, weights_fingerprint
from alignlab.config import ExperimentConfig
from alignlab.config.monitor import AUDIT
from alignlab.constitution import Constitution
from alignlab.errors import InputError
from alignlab.evals.evaluate import SCHEMA as RESULTS_SCHEMA
from alignlab.evals.evaluate import transcripts_path
from alignlab.io import sha256_text
from alignlab.monitor.alerts import measure, measure_audit
from alignlab.monitor.store import Store, where

ORDER = ("retrain_all", "retrain_phase2", "retrain_ood", "retrain_phase3")


def phases_for(cfg: ExperimentConfig, action: str) -> list[str]:
    """The train phases an action reruns (config ``monitor.actions``, else by position in ``train.phases``)."""
    names = [p.name for p in cfg.train.phases]
    if action in cfg.monitor.actions:
        unknown = [n for n in cfg.monitor.actions[action] if n not in names]
        if unknown:
            raise InputError(cfg.source, f"monitor.actions.{action}", f"unknown phase {unknown[0]!r}; phases: "
                                                                      f"{', '.join(names)}")
        return cfg.monitor.actions[action]
    position = {"retrain_phase3": 2, "retrain_phase2": 1, "retrain_ood": 1}
    if action == "retrain_all":
        return names
    i = position[action]
    if i >= len(names):
        raise InputError(cfg.source, f"monitor.actions.{action}", f"train has {len(names)} phases, no phase {i + 1}; "
                                                                  "name the phases this action reruns")
    return [names[i]]


def read_results(path: Path) -> tuple[dict, list[dict]]:
    """An evaluation's results and transcripts; one clear line for anything else."""
    try:
        results = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(path, "--results", "file not found") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(path, None, f"not a results JSON ({exc})") from None
    schema = results.get("schema") if isinstance(results, dict) else None
    if schema != RESULTS_SCHEMA:
        raise InputError(path, "schema", f"results schema {schema!r}; this alignlab records {RESULTS_SCHEMA!r} "
                                         "(evaluate the model again with this version)")
    tr = transcripts_path(path)
    if not tr.is_file():
        raise InputError(tr, None, "the results' transcripts are missing (metrics are read from them)")
    return results, [json.loads(x) for x in tr.read_text(encoding="utf-8").splitlines()]


def cells_of(rows: list[dict]) -> list[str]:
    return sorted({r["cell"] for r in rows if r.get("cell") and r["suite"] in ("agentic", "agentic_ood")})


def fired(cfg: ExperimentConfig, metrics: list[dict], model: dict, cells: list[str], constitution_sha: str) -> list[dict]:
    """The triggers that fire, each with why and its action."""
    status = {m["name"]: m for m in metrics}
    out = []
    for t in cfg.monitor.triggers:
        if t.when == "threshold" and status[t.metric]["status"] == "alert":
            out.append({"trigger": f"{t.metric}: {status[t.metric]['message']}", "action": t.action})
        elif t.when == "new_cells":
            new = sorted(set(cells) - set(model["trained_cells"]))
            if len(new) > t.limit:
                out.append({"trigger": f"{len(new)} scenario cells not seen at the last training (> {t.limit})",
                            "action": t.action})
        elif t.when == "constitution_changed" and model["trained_constitution"] not in (None, constitution_sha):
            out.append({"trigger": f"constitution changed ({model['trained_constitution'][:12]} -> "
                                   f"{constitution_sha[:12]})", "action": t.action})
    return out


def monitor(cfg: ExperimentConfig, constitution: Constitution, name: str, out: Path, *, checkpoint: str | None = None,
            results: Path | None = None, apply: bool = False, db: str | None = None, quiet: bool = False) -> dict:
    """Evaluate (or read) ``name``'s current checkpoint, record it, and say what alerts and triggers fire."""
    from alignlab.evals.evaluate import run_eval

    url = db or cfg.monitor.db
    store = Store(url) if checkpoint is not None or name == "organism" else Store.existing(url)
    known = store.model(name) if store is not None else None
    if checkpoint is None and known is None:
        if name != "organism":
            raise InputError(None, "--checkpoint", f"model {name!r} is not in the store {where(url, store)}; give its "
                                                   "checkpoint the first time")
        checkpoint = str(default_organism_path())
    ckpt = Path(checkpoint or known["checkpoint"])
    check_checkpoint(ckpt)
    c_sha = constitution.content_hash()
    weights = weights_fingerprint(ckpt)
    mc = cfg.monitor
    if results is None:  # named by what it measures, so a killed evaluation resumes where it stopped
        settings = cfg.eval.model_copy(update={"samples": mc.samples, "scenarios_per_cell": mc.scenarios_per_cell})
        what = sha256_text(json.dumps([mc.suites(), settings.model_dump(), mc.scenarios, cfg.seed, c_sha,
                                       cfg.split_spec().to_dict()], sort_keys=True))
        results = out / "evals" / f"{name}-{weights.removeprefix('sha256:')[:12]}-{what[:8]}.json"
        run_eval(str(ckpt), mc.suites(), results, cfg.split_spec(), constitution, settings, seed=cfg.seed,
                 show_progress=not quiet, scenarios=cfg.resolve(mc.scenarios) if mc.scenarios else None)
    found, rows = read_results(results)
    made_by = found.get("constitution", {}).get("sha256")
    if made_by != c_sha:
        raise InputError(results, "constitution.sha256", f"these results were made under another constitution "
                                                         f"({str(made_by)[:12]}, not {c_sha[:12]})")
    if Path(str(found.get("model"))).resolve() != ckpt.resolve():
        raise InputError(results, "model", f"these results are of {found.get('model')}, not of {name}'s checkpoint "
                                           f"{ckpt} (give --checkpoint to move {name} there)")
    cells = cells_of(rows)
    if known is None or checkpoint is not None:  # a new model, or a new checkpoint under its name: its reference point
        store.set_model(name, str(ckpt.resolve()), trained_constitution=c_sha if known is None else None,
                        trained_cells=cells if known is None else None)
        known = store.model(name)
    audit = _audit(cfg, name, ckpt, weights, out, quiet) if any(m.suite == AUDIT for m in cfg.monitor.metrics) else None
    metrics = [measure_audit(spec, audit) if spec.suite == AUDIT else measure(spec, rows) for spec in cfg.monitor.metrics]
    previous = store.history(name)[-1:] or [None]
    triggers = fired(cfg, metrics, known, cells, c_sha)
    eval_id = store.record(name, str(ckpt.resolve()), metrics, weights_sha=weights,
                           config_sha=sha256_text(json.dumps(cfg.model_dump(mode="json"), sort_keys=True)),
                           constitution_sha=c_sha, results_path=str(results.resolve()), cells=cells,
                           samples_total=len(rows), triggered=triggers)
    outcome = None
    if apply and triggers:
        outcome = retrain(cfg, constitution, name, ckpt, weights, triggers, out, store, eval_id, cells, quiet)
    return {"model": name, "checkpoint": str(ckpt), "evaluation": eval_id, "results": str(results), "metrics": metrics,
            "previous": previous[0], "triggers": triggers, "applied": outcome, "store": store.where()}


def _audit(cfg: ExperimentConfig, name: str, ckpt: Path, weights: str, out: Path, quiet: bool) -> dict:
    """The automated alignment audit of the checkpoint (built-in auditor and judge), run once per checkpoint and
    settings: a summary already written is read back."""
    from alignlab.audit.run import run_audit

    a = cfg.monitor.audit
    seeds = cfg.resolve(a.seeds) if a.seeds else shipped_seeds_dir()
    what = sha256_text(json.dumps([str(seeds), a.model_dump(), cfg.seed], sort_keys=True))
    where = out / "audits" / f"{name}-{weights.removeprefix('sha256:')[:12]}-{what[:8]}"
    if done := Artifact(where, what, "audit.json", key_field=None).done():  # the key is in the directory's name
        return done
    return run_audit(str(ckpt), seeds, where, samples=a.samples, turns=a.turns, seed=cfg.seed, tags=a.tags,
                     quiet=True)


def retrain(cfg: ExperimentConfig, constitution: Constitution, name: str, ckpt: Path, weights: str,
            triggers: list[dict], out: Path, store: Store, eval_id: int, cells: list[str], quiet: bool) -> dict:
    """Rerun the phases the fired actions name (in the pipeline's order) from the current checkpoint; the model's
    new checkpoint is the last phase's. The run is named by the start's weights, so a killed retraining resumes."""
    from alignlab.data.build import build_data  # datasketch (scipy): loaded only where data is built
    from alignlab.train.pipeline import run_pipeline

    actions = sorted({t["action"] for t in triggers}, key=ORDER.index)
    if "retrain_all" in actions:
        actions = ["retrain_all"]
    wanted = {p for a in actions for p in phases_for(cfg, a)}
    phases = [p for p in cfg.train.phases if p.name in wanted]
    run_dir = out / "retrain" / f"{name}-{weights.removeprefix('sha256:')[:12]}"
    console = Console(stderr=True, quiet=quiet)
    data_dir = out / "data"
    build_data(cfg, constitution, data_dir, console=console)  # resumes: recipes already built are kept
    sub = cfg.model_copy(update={"train": cfg.train.model_copy(update={"phases": phases})})
    sub.source = cfg.source
    try:
        summary = run_pipeline(sub, constitution, run_dir, data_dir=data_dir, base=str(ckpt.resolve()), quiet=quiet)
    except BaseException as exc:  # an interrupt too: the record says the action did not finish
        for a in actions:
            store.record_action(eval_id, ", ".join(t["trigger"] for t in triggers if t["action"] == a), a, "failed",
                                {"error": str(exc).splitlines()[0] if str(exc) else type(exc).__name__})
        raise
    new = run_dir / phases[-1].name / "model"
    store.set_model(name, str(new.resolve()), trained_constitution=constitution.content_hash(), trained_cells=cells)
    detail = {"phases": [p.name for p in phases], "checkpoint": str(new.resolve()), "run": str(run_dir.resolve()),
              "rates": summary["rates"]}
    for a in actions:
        store.record_action(eval_id, ", ".join(t["trigger"] for t in triggers if t["action"] == a or a == "retrain_all"),
                            a, "applied", detail)
    return {"actions": actions, **detail}
