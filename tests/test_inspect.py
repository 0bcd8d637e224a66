"""The suites as Inspect tasks: `inspect eval alignlab/agentic` against the organism via hf/local."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from inspect_ai.log import list_eval_logs, read_eval_log

from alignlab.checkpoint import default_organism_path
from alignlab.config import load_config
from alignlab.constitution import default_constitution_path, load_constitution
from alignlab.evals.evaluate import run_eval

from .conftest import ROOT


def test_inspect_eval_runs_an_alignlab_suite_on_the_organism(tmp_path, quick_organism):
    inspect = shutil.which("inspect", path=str(Path(sys.executable).parent)) or "inspect"
    logs = tmp_path / "logs"
    cmd = [inspect, "eval", "alignlab/agentic", "--model", "hf/local", "-M", f"model_path={quick_organism}",
           "-M", "device=cpu", "-T", "per_cell=1", "--limit", "4", "--max-tokens", "16", "--temperature", "1.0",
           "--log-dir", str(logs), "--display", "none"]
    r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    found = list_eval_logs(str(logs))
    assert len(found) == 1
    log = read_eval_log(found[0])
    assert log.status == "success"
    assert len(log.samples) == 4
    for s in log.samples:
        score = next(iter(s.scores.values()))
        assert score.value in (0, 1)
        assert score.metadata["status"] in ("action", "no_action", "empty", "truncated", "unparseable")
        assert s.id.startswith("agentic/")
    metrics = next(iter(log.results.scores)).metrics
    assert {"rate", "invalid_rate"} <= set(metrics)


def _inspect_eval(model: Path, logs: Path, *args: str):
    inspect = shutil.which("inspect", path=str(Path(sys.executable).parent)) or "inspect"
    cmd = [inspect, "eval", "alignlab/agentic", "--model", "hf/local", "-M", f"model_path={model}", "-M", "device=cpu",
           "--log-dir", str(logs), "--display", "none", *args]
    r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    return read_eval_log(list_eval_logs(str(logs))[0])


@pytest.mark.timeout(1200)
def test_inspect_and_alignlab_eval_give_the_same_harmful_rate(tmp_path):
    """One evaluator everywhere: the same model, scenarios and (greedy) decoding score the same either way."""
    model = default_organism_path()
    cfg = load_config(ROOT / "configs" / "demo.yaml")
    settings = cfg.eval.model_copy(update={"samples": 1, "scenarios_per_cell": 1, "temperature": 0.0})
    ours = run_eval(str(model), ["agentic"], tmp_path / "r.json", cfg.split_spec(),
                    load_constitution(default_constitution_path()), settings, show_progress=False)
    log = _inspect_eval(model, tmp_path / "logs", "-T", "per_cell=1", "-M", "do_sample=false",
                        "--max-tokens", str(settings.max_new_tokens))
    theirs = next(iter(log.results.scores)).metrics["rate"].value
    agentic = ours["suites"]["agentic"]
    assert len(log.samples) == sum(agentic["statuses"].values())
    assert theirs == pytest.approx(agentic["harmful"]["rate"]), (theirs, agentic["harmful"])
    # the same prompts give the same replies: every sample gets the same status either way
    their_statuses = Counter(next(iter(s.scores.values())).metadata["status"] for s in log.samples)
    assert their_statuses == Counter({k: v for k, v in agentic["statuses"].items() if v}), (their_statuses, agentic["statuses"])


def test_the_inspect_tasks_take_fresh_specifics():
    """-T fresh_specifics=SEED gives the same samples with other names, so any Inspect model can be tested on reading."""
    from alignlab.evals.inspect_tasks import TASKS

    agentic = TASKS["agentic"]

    plain, fresh = agentic(per_cell=1), agentic(per_cell=1, fresh_specifics=3)
    assert len(plain.dataset) == len(fresh.dataset) > 0
    for a, b in zip(plain.dataset, fresh.dataset):
        assert a.metadata["group"] == b.metadata["group"] and a.input != b.input
        address = re.search(r"Your address is (\S+?)\.? You act", a.input[0].content).group(1)  # the agent's own
        assert address not in str(b.input)
