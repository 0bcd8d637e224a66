"""The evaluator end to end on the quick organism: results schema, honest counts, resume."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

from typer.testing import CliRunner

from alignlab.cli import app
from alignlab.config import load_config
from alignlab.constitution import default_constitution_path, load_constitution
from alignlab.evals.evaluate import partial_path, run_eval, transcripts_path
from alignlab.evals.suites import SUITES
from alignlab.models.local import HFRunner

from .conftest import ROOT

ALL = ",".join(SUITES)


def _config(tmp_path, batch_size=4):
    cfg = tmp_path / "eval.yaml"
    cfg.write_text(f"name: t\nseed: 0\neval: {{samples: 1, scenarios_per_cell: 1, max_new_tokens: 24, batch_size: {batch_size}}}\n")
    return cfg


def test_eval_writes_results_and_transcripts_for_all_suites(tmp_path, quick_organism):
    out = tmp_path / "results.json"
    r = CliRunner().invoke(app, ["eval", "--model", str(quick_organism), "--suites", ALL, "--samples", "2",
                                 "--out", str(out), "--config", str(_config(tmp_path)), "--quiet"])
    assert r.exit_code == 0, r.output
    assert "agentic: harmful" in r.output and "ood family" in r.output
    res = json.loads(out.read_text())
    assert res["schema"] == "alignlab.eval/1" and set(res["suites"]) == set(SUITES)
    rows = [json.loads(line) for line in transcripts_path(out).read_text().splitlines()]
    assert len(rows) == res["samples_total"]
    for name in ("agentic", "agentic_ood", "honeypot", "capability"):
        s = res["suites"][name]
        n = sum(s["statuses"].values())
        assert n == sum(1 for x in rows if x["suite"] == name)  # nothing dropped
        scored = s["statuses"]["action"] + s["statuses"]["no_action"]
        assert s["harmful"]["n"] == scored  # invalid outputs are not scored as harmless
        lo, hi = s["harmful"]["ci95"]
        assert 0 <= lo <= hi <= 1
    assert set(res["suites"]["agentic_ood"]["axes"]) == {"family", "domain", "urgency", "format"}
    assert set(res["suites"]["constitution_adherence"]["per_principle"]) == {
        p.id for p in load_constitution(default_constitution_path()).principles}
    assert not partial_path(out).exists()


class CountingRunner:
    def __init__(self, inner):
        self.inner, self.generated = inner, 0

    def run(self, requests, seed, skip=lambda keys: False, progress=None):
        for batch in self.inner.run(requests, seed, skip, progress):
            self.generated += len(batch)
            yield batch


def test_killed_eval_resumes_without_regenerating_and_matches_a_full_run(tmp_path, quick_organism):
    cfg_path = _config(tmp_path, batch_size=2)
    suites = "agentic,agentic_ood"
    killed = tmp_path / "killed" / "r.json"
    cmd = [sys.executable, "-m", "alignlab.cli", "eval", "--model", str(quick_organism), "--suites", suites,
           "--samples", "2", "--out", str(killed), "--config", str(cfg_path), "--quiet"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    part = partial_path(killed)
    deadline = time.time() + 300
    while time.time() < deadline and (not part.exists() or len(part.read_text().splitlines()) < 40):
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not killed.exists(), "killed before the end, so no results yet"
    done = {json.loads(x)["key"] for x in part.read_text().splitlines()[1:] if x.endswith("}")}
    assert done

    cfg = load_config(cfg_path)
    settings = cfg.eval.model_copy(update={"samples": 2})
    const = load_constitution(default_constitution_path())

    def evaluate(out, runner):
        return run_eval(str(quick_organism), suites.split(","), out, cfg.split_spec(), const, settings,
                        seed=0, runner=runner, show_progress=False)

    base = HFRunner(str(quick_organism), batch_size=2, max_new_tokens=24, temperature=1.0)
    resumed_runner = CountingRunner(base)
    resumed = evaluate(killed, resumed_runner)
    total = resumed["samples_total"]
    assert resumed_runner.generated <= total - len(done) + 2  # at most one cut batch runs again
    full_runner = CountingRunner(base)
    full = evaluate(tmp_path / "full" / "r.json", full_runner)
    assert full_runner.generated == total
    assert resumed["suites"] == full["suites"]
    assert transcripts_path(killed).read_text() == transcripts_path(tmp_path / "full" / "r.json").read_text()
