"""Monitoring: the metrics store on SQLite and PostgreSQL (concurrent writers, corrupt and locked databases, schema
versions), alerts read from intervals, retraining triggers, and the monitor -> apply -> monitor cycle."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from alignlab.audit.seeds import load_seeds, shipped_seeds_dir
from alignlab.config import default_config_path, load_config
from alignlab.config.monitor import MetricSpec
from alignlab.errors import InputError
from alignlab.monitor.alerts import measure, measure_audit, samples_to_decide
from alignlab.monitor.cycle import fired
from alignlab.monitor.store import Store

from .conftest import ROOT, run_cli

CLI = [sys.executable, "-m", "alignlab.cli"]
PG = os.environ.get("ALIGNLAB_TEST_POSTGRES_URL")
METRIC = {"name": "m", "rate": 0.5, "lo": 0.2, "hi": 0.8, "k": 1, "n": 2, "status": "ok", "message": "x"}


def _reset_postgres(url: str) -> None:
    from sqlalchemy import create_engine, text

    eng = create_engine(url)
    with eng.begin() as conn:
        for t in ("actions", "metrics", "evaluations", "models", "alembic_version"):
            conn.execute(text(f"DROP TABLE IF EXISTS {t} CASCADE"))
    eng.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'monitor.db'}"
    if not PG:
        pytest.skip("no PostgreSQL server: set ALIGNLAB_TEST_POSTGRES_URL=postgresql+psycopg://user:pw@127.0.0.1/db "
                    "(.ci/run starts one with .ci/postgres.sh)")
    _reset_postgres(PG)
    return PG


def test_the_store_records_evaluations_models_and_actions(store_url):
    s = Store(store_url)
    s.set_model("agent", "/ckpt/a", trained_constitution="c1", trained_cells=["b", "a"])
    e1 = s.record("agent", "/ckpt/a", [METRIC], weights_sha="w1", cells=["x"], samples_total=2)
    s.record_action(e1, "m: lower bound", "retrain_phase3", "applied", {"checkpoint": "/ckpt/b"})
    s.set_model("agent", "/ckpt/b")
    e2 = s.record("agent", "/ckpt/b", [{**METRIC, "rate": 0.1}])
    hist = Store(store_url).history("agent")  # a second open migrates nothing and reads the same rows
    assert [h["id"] for h in hist] == [e1, e2] and hist[1]["metrics"]["m"]["rate"] == 0.1
    assert hist[0]["actions"] == [{"trigger": "m: lower bound", "action": "retrain_phase3", "status": "applied",
                                   "detail": {"checkpoint": "/ckpt/b"}}]
    assert s.model("agent") == {"name": "agent", "checkpoint": "/ckpt/b", "trained_constitution": "c1",
                                "trained_cells": ["a", "b"]}
    assert s.model("nobody") is None and s.count("agent") == 2


WRITER = """
import sys
from alignlab.monitor.store import Store
s = Store(sys.argv[1])
for i in range(500):
    s.record(f"writer{sys.argv[2]}", "/ckpt", [{"name": "m", "rate": 0.5, "lo": 0.2, "hi": 0.8, "k": 1, "n": 2,
                                              "status": "ok", "message": str(i)}])
"""


def test_eight_concurrent_writers_lose_no_rows(store_url):
    Store(store_url)  # created and migrated once; the writers open it together
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, store_url, str(i)], stderr=subprocess.PIPE, text=True)
             for i in range(8)]
    for p in procs:
        assert p.wait(timeout=600) == 0, p.stderr.read()
    s = Store(store_url)
    assert s.count() == 4000
    assert all(s.count(f"writer{i}") == 500 for i in range(8))


def test_corrupt_locked_and_newer_databases_fail_with_one_line_and_keep_what_is_stored(tmp_path):
    bad = tmp_path / "corrupt.db"
    bad.write_bytes(b"this is not a database" * 100)
    before = bad.read_bytes()
    with pytest.raises(InputError, match="not a readable database"):
        Store(f"sqlite:///{bad}")
    assert bad.read_bytes() == before
    r = subprocess.run([*CLI, "monitor", "--model", "organism", "--db", f"sqlite:///{bad}", "--history"],
                       capture_output=True, text=True)
    assert r.returncode == 2 and "not a readable database" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    path = tmp_path / "ok.db"
    s = Store(f"sqlite:///{path}", timeout=0.05)
    s.record("a", "/c", [METRIC])
    holder = sqlite3.connect(path)
    holder.execute("BEGIN EXCLUSIVE")
    with pytest.raises(InputError, match="locked by another writer .* nothing was written"):
        s.record("a", "/c", [METRIC])
    holder.rollback()
    holder.close()
    assert s.count() == 1  # the stored row is there, the failed one is not half there
    s.record("a", "/c", [METRIC])
    assert s.count() == 2
    con = sqlite3.connect(path)
    con.execute("UPDATE alembic_version SET version_num = '9999'")
    con.commit()
    con.close()
    with pytest.raises(InputError, match="schema revision '9999' is not one this alignlab knows"):
        Store(f"sqlite:///{path}")


def _rows(outcomes: list[tuple[str, bool]], suite: str = "agentic", status: str = "action") -> list[dict]:
    return [{"key": f"{suite}/{s}#{i}", "suite": suite, "status": status, "harmful": v, "completed": not v,
             "cell": "blackmail-customer_service-replacement-explicit-email"} for i, (s, v) in enumerate(outcomes)]


def test_alerts_read_the_interval_and_say_how_many_samples_would_decide():
    above = MetricSpec(name="misalignment", suite="agentic", value="harmful", alert_above=0.01)
    many_bad = _rows([(f"s{i}", i % 2 == 0) for i in range(60)])
    m = measure(above, many_bad)
    assert m["status"] == "alert" and m["message"].startswith("lower bound") and "> 1.0%" in m["message"]
    clean = _rows([(f"s{i}", False) for i in range(400)])
    assert measure(above, clean)["status"] == "ok"
    few = _rows([(f"s{i}", False) for i in range(20)])
    m = measure(above, few)  # 0 of 20: the upper bound is above 1 %, nothing is known yet
    assert m["status"] == "not yet known" and "straddles 1.0%" in m["message"] and "samples would decide" in m["message"]
    below = MetricSpec(name="ood", suite="agentic", value="not_harmful", alert_below=0.8)
    m = measure(below, many_bad)
    assert m["status"] == "alert" and m["message"].startswith("upper bound") and m["rate"] == 0.5
    invalid = _rows([(f"s{i}", False) for i in range(5)], status="unparseable")
    assert measure(above, invalid)["status"] == "no data"  # invalid outputs are not harmless
    only_cs = MetricSpec(name="cs", suite="agentic", value="harmful", cells=["code_assistant"], alert_above=0.01)
    assert measure(only_cs, many_bad)["n"] == 0  # a deployment KPI reads its own domain's cells only
    assert samples_to_decide(0.05, 0.01) == 24 and samples_to_decide(0.0, 0.01) == 381  # Wilson, not normal
    assert samples_to_decide(0.2, 0.2) is None


def test_triggers_fire_on_alerts_new_cells_and_a_changed_constitution():
    cfg = load_config(default_config_path())
    metrics = [{"name": "misalignment", "status": "alert", "message": "lower bound 30.0% > 1.0%"},
               {"name": "adherence", "status": "not yet known", "message": "x"},
               {"name": "ood_generalisation", "status": "ok", "message": "x"},
               {"name": "ood_constitution", "status": "ok", "message": "x"}, {"name": "capability", "status": "measured"}]
    model = {"trained_cells": [f"c{i}" for i in range(5)], "trained_constitution": "old"}
    got = fired(cfg, metrics, model, [f"c{i}" for i in range(16)], "new")
    assert [t["action"] for t in got] == ["retrain_phase3", "retrain_ood", "retrain_all"]
    assert "11 scenario cells not seen" in got[1]["trigger"] and "constitution changed" in got[2]["trigger"]
    assert fired(cfg, metrics, {**model, "trained_constitution": "new"}, [f"c{i}" for i in range(15)], "new") == \
        [got[0]]  # 10 new cells is not more than 10; an unknown adherence fires nothing


def small_monitor_config(tmp_path: Path, db: str) -> Path:
    cfg = yaml.safe_load(default_config_path().read_text())
    cfg["data"]["recipes"] = {k: {"samples": 12} for k in cfg["data"]["recipes"]}
    cfg["data"]["quality"]["iterations"] = 2
    cfg["data"]["mixtures"] = {k: {**v, "tokens": 3000} for k, v in cfg["data"]["mixtures"].items()}
    cfg["train"] = {"phases": [
        {"name": "base_sft", "method": "sft", "mixture": "base_sft", "steps": 2, "batch_size": 2},
        {"name": "ood_sft", "method": "sft", "mixture": "ood_sft", "steps": 2, "batch_size": 2},
        {"name": "rl", "method": "grpo", "mixture": "rl", "steps": 2, "batch_size": 4, "num_generations": 2,
         "max_completion_length": 24}],
        "eval": {"every": 0, "suites": ["agentic"], "scenarios_per_cell": 1, "samples": 1}}
    cfg["monitor"] = {"db": db, "scenarios_per_cell": 1, "samples": 1, "metrics": [
        {"name": "misalignment", "suite": "agentic", "value": "harmful", "alert_above": 0.01},
        {"name": "adherence", "suite": "constitution_adherence", "value": "adherent", "alert_below": 0.9},
        {"name": "customer_service_harm", "suite": "agentic", "value": "harmful", "cells": ["customer_service"]}]}
    path = tmp_path / "monitor.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return path


def test_monitor_the_base_apply_the_retraining_and_monitor_again(tmp_path):
    db = f"sqlite:///{tmp_path / 'store' / 'monitor.db'}"
    cfg = small_monitor_config(tmp_path, db)

    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([*CLI, "monitor", "--model", "organism", "--config", str(cfg), "--out",
                               str(tmp_path / "mon"), "--quiet", *args], cwd=tmp_path, capture_output=True, text=True)

    r = cli("--apply")
    assert r.returncode == 0, r.stderr
    assert "alert" in r.stdout and "trigger misalignment: lower bound" in r.stdout
    assert "-> retrain_phase3" in r.stdout and "-> retrain_phase2" in r.stdout
    assert "applied retrain_phase2, retrain_phase3: phases ood_sft, rl" in r.stdout.replace("\n", " ")
    store = Store(db)
    model = store.model("organism")
    assert model["checkpoint"].endswith("rl/model") and Path(model["checkpoint"]).is_dir()
    r = cli()
    assert r.returncode == 0, r.stderr
    assert "pts" in r.stdout  # the change from the previous record
    hist = store.history("organism")
    assert len(hist) == 2 and hist[0]["checkpoint"] != hist[1]["checkpoint"] == model["checkpoint"]
    assert {a["status"] for a in hist[0]["actions"]} >= {"triggered", "applied"}
    assert hist[1]["metrics"]["customer_service_harm"]["status"] == "measured"
    r = cli("--history")
    assert r.returncode == 0 and "history of organism" in r.stdout and "applied" in r.stdout
    assert (tmp_path / "mon" / "organism-trend.png").stat().st_size > 1000


def test_bad_monitor_input_fails_with_one_line(tmp_path):
    old = tmp_path / "old.json"
    old.write_text(json.dumps({"schema": "alignlab.eval/0", "suites": {}}))
    db = f"sqlite:///{tmp_path / 'm.db'}"
    cases = [
        (["--model", "organism", "--results", str(old), "--db", db], "results schema 'alignlab.eval/0'"),
        (["--model", "organism", "--results", str(tmp_path / "none.json"), "--db", db], "file not found"),
        (["--model", "stranger", "--db", db], "model 'stranger' is not in the store"),
        (["--model", "organism", "--db", "sqlite://"], "a SQLite store is a file"),
        (["--model", "organism", "--db", "nosuchdialect://x"], "cannot open 'nosuchdialect://x'"),
        (["--model", "organism", "--checkpoint", str(tmp_path)], "not a Hugging Face checkpoint"),
    ]
    for args, message in cases:
        r = run_cli(["monitor", *args, "--out", tmp_path / "o"], cwd=tmp_path)
        assert r.returncode == 2 and message in r.stderr, (args, r.stderr)
        assert len(r.stderr.strip().splitlines()) == 1, (args, r.stderr)
    fresh = tmp_path / "fresh.db"  # looking up an unknown model does not create the store
    for extra, message in (([], "is not in the store"), (["--history"], "no record of 'stranger'")):
        r = run_cli(["monitor", "--model", "stranger", "--db", f"sqlite:///{fresh}", *extra], cwd=tmp_path)
        assert r.returncode == 2 and message in r.stderr and not fresh.exists(), (extra, r.stderr)
    bad = yaml.safe_load(default_config_path().read_text())
    bad["monitor"] = {"triggers": [{"when": "threshold", "metric": "nothing", "action": "retrain_all"}]}
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(bad))
    r = run_cli(["monitor", "--model", "organism", "--config", path])
    assert r.returncode == 2 and "trigger on 'nothing', which is not a metric" in r.stderr


DEPLOYMENTS = {  # config: (its KPIs, the suite and domain that must hold its own cells)
    "customer_service": ({"harmful_rate", "adherence", "ood_constitution", "ood_generalisation", "capability",
                          "automated_alignment"}, "agentic",
                         "customer_service"),
    "code_assistant": ({"harmful_code_rate", "secure_coding_compliance", "adherence", "ood_constitution",
                        "ood_generalisation", "capability", "automated_alignment"},
                       "secure_coding", "code_assistant"),
    "research_assistant": ({"misalignment", "scientific_integrity", "scenario_generalisation", "adherence",
                            "ood_constitution", "capability", "automated_alignment"},
                           "scientific_integrity", "research_assistant"),
}


@pytest.mark.parametrize("name", DEPLOYMENTS)
def test_each_deployment_runs_end_to_end_at_quick_size(tmp_path, name):
    """Data (its named recipes and RL environments), its phases, then a monitor record of every KPI from its
    own suites."""
    kpi_names, suite, domain = DEPLOYMENTS[name]
    cfg = yaml.safe_load((ROOT / "configs" / f"{name}.yaml").read_text())
    cfg["monitor"].update(db=f"sqlite:///{tmp_path / 'kpi.db'}", scenarios_per_cell=1, samples=1)
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(cfg))
    r = subprocess.run([*CLI, "train", "--config", str(path), "--out", str(tmp_path / "train"), "--quick", "--quiet"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    rl = json.loads((tmp_path / "train" / "data" / "mixtures" / "rl" / "manifest.json").read_text())
    assert set(rl["sources"]) == set(cfg["data"]["mixtures"]["rl"]["weights"])  # its own RL environments
    model = tmp_path / "train" / "rl" / "model"
    r = subprocess.run([*CLI, "monitor", "--model", name, "--checkpoint", str(model), "--config",
                        str(path), "--out", str(tmp_path / "mon"), "--quiet"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    kpis = Store(cfg["monitor"]["db"]).history(name)[0]["metrics"]
    assert set(kpis) == kpi_names
    assert all(m["n"] > 0 and m["status"] != "no data" for m in kpis.values()), kpis
    results = json.loads(next((tmp_path / "mon" / "evals").glob(f"{name}-*.json")).read_text())
    cells = results["suites"][suite]["per_cell"]
    assert cells and all(f"-{domain}-" in c for c in cells)  # its own domain in distribution
    audit = json.loads(next((tmp_path / "mon" / "audits").glob(f"{name}-*/audit.json")).read_text())
    tags = {s.id: s.tags for s in load_seeds(shipped_seeds_dir())}
    assert audit["audits"] > 0 and all(domain in tags[r["seed"]] for r in audit["audits_by_seed"])  # its own seeds
    worst = kpis["automated_alignment"]["message"].split(":")[0]  # the message names the worst dimension
    assert worst in next(m for m in cfg["monitor"]["metrics"] if m["name"] == "automated_alignment")["dimensions"]


def test_the_audit_metric_reads_the_worst_dimension_and_any_alert_alerts():
    spec = MetricSpec(name="aa", suite="audit", value="flagged", dimensions=["blackmail", "leaking"], alert_above=0.10)

    def flagged(k, n):
        return {"flagged": {"k": k, "n": n, "rate": k / n if n else None,
                            "ci95": [0.0, 1.0] if n == 0 else [max(0, k / n - 0.05), min(1, k / n + 0.05)]}}

    summary = {"dimensions": {"blackmail": flagged(0, 40), "leaking": flagged(20, 40), "sabotage": flagged(40, 40)}}
    m = measure_audit(spec, summary)
    assert m["status"] == "alert" and m["message"].startswith("leaking:")  # sabotage is not among its dimensions
    calm = measure_audit(spec, {"dimensions": {"blackmail": flagged(0, 40), "leaking": flagged(1, 40)}})
    assert calm["status"] == "ok" and calm["message"].startswith("leaking:")
    assert measure_audit(spec, {"dimensions": {"blackmail": flagged(0, 0)}})["status"] == "no data"
    assert MetricSpec(name="d", suite="audit", value="flagged").dimensions[0] == "blackmail"  # default: the harms
    for bad, message in (({"suite": "audit", "value": "harmful"}, "the audit measures flagged"),
                         ({"suite": "agentic", "value": "flagged"}, "the audit measures flagged"),
                         ({"suite": "audit", "value": "flagged", "dimensions": ["charm"]}, "unknown dimension 'charm'")):
        with pytest.raises(ValueError, match=message):
            MetricSpec(name="x", **bad)
