"""The suites as Inspect tasks: `inspect eval alignlab/agentic` against the organism via hf/local."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from inspect_ai.log import list_eval_logs, read_eval_log

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
    assert {"accuracy", "invalid_rate"} <= set(metrics)
