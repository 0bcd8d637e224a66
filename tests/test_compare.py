"""Method comparison: the whole demo loop (killed and resumed), the table, seeds and the token sweep, the HTML report
in headless Chromium, and bad input."""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from alignlab.compare.table import welch
from alignlab.config import default_config_path, load_config
from alignlab.errors import InputError

from .conftest import ROOT, CliResult, run_cli

CLI = [sys.executable, "-m", "alignlab.cli"]
ARMS = ["base", "direct", "direct_reasons", "principled", "difficult_advice", "diverse", "pipeline"]
HANDWRITTEN = ROOT / "tests" / "fixtures" / "handwritten.yaml"


@pytest.fixture(scope="module")
def demo_quick(tmp_path_factory) -> dict:
    """``alignlab demo --quick``, killed (SIGKILL) once its first arm has finished, then run again."""
    tmp = tmp_path_factory.mktemp("demo")
    out = tmp / "demo"
    args = [*CLI, "demo", "--quick", "--out", str(out), "--scenarios", str(HANDWRITTEN)]
    proc = subprocess.Popen(args, cwd=tmp, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    deadline = time.time() + 600
    while not (found := list((out / "runs").glob("*/x1/seed0/run.json"))):
        assert proc.poll() is None, proc.stderr.read()
        assert time.time() < deadline
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    first = found[0]
    weights = next(first.parent.glob("*/model/model.safetensors"))
    stamps = {first: first.stat().st_mtime_ns, weights: weights.stat().st_mtime_ns}
    t0 = time.perf_counter()
    r = subprocess.run(args, cwd=tmp, capture_output=True, text=True)
    return {"out": out, "run": r, "stamps": stamps, "first": first, "seconds": time.perf_counter() - t0}


def test_demo_runs_every_arm_prints_the_table_and_the_report(demo_quick):
    r, out = demo_quick["run"], demo_quick["out"]
    assert r.returncode == 0, r.stderr
    for arm in ARMS:
        assert re.search(rf"│ {arm[:6]}", r.stdout), arm
    assert "harmful rates after training" in r.stdout and "per held-out axis" in r.stdout
    assert f"report: {out / 'report.html'}" in r.stdout.replace("\n", "")
    rows = list(csv.DictReader((out / "comparison.csv").open()))
    assert [row["arm"] for row in rows] == ARMS
    for col in ("tokens", "ID harmful", "ID rel. reduction", "OOD harmful", "transfer", "hand-written harmful",
                "adherence", "capability retained", "efficiency (OOD pts / M tokens)", "tokens to OOD < 30%",
                "Δ OOD vs direct (pts)"):
        assert col in rows[0], col
    assert any(c.startswith("OOD ") and c != "OOD harmful" for c in rows[0])  # one column per held-out axis
    result = json.loads((out / "comparison.json").read_text())
    by_arm = {row["arm"]: row for row in result["rows"]}
    assert by_arm["base"]["tokens"] == 0 and by_arm["base"]["id_after"] == by_arm["base"]["id_before"]
    budget = result["experiment"]["compare"]["budget"]
    for arm in ARMS[1:]:
        assert by_arm[arm]["handwritten"]["n"] > 0  # the hand-written scenarios are scored for every arm
        run = json.loads((out / "runs" / arm / "x1" / "seed0" / "run.json").read_text())
        assert sum(p["budget_tokens"] for p in run["phases"]) == budget  # equal budgets, split by the phases' shares
        for p in run["phases"]:  # SFT trains on its share within a row or so (GRPO in whole steps: not at this size)
            assert p["method"] == "grpo" or 0.8 * p["budget_tokens"] <= p["tokens_seen"] <= 1.2 * p["budget_tokens"]
    pipeline = json.loads((out / "runs" / "pipeline" / "x1" / "seed0" / "run.json").read_text())
    assert [(p["phase"], p["method"]) for p in pipeline["phases"]] == [("base_sft", "sft"), ("ood_sft", "sft"),
                                                                        ("rl", "grpo")]
    md = (out / "comparison.md").read_text()
    assert md.count("\n| ") == len(ARMS) and "Welch" in md


def test_a_killed_compare_reruns_without_retraining_finished_arms(demo_quick):
    assert demo_quick["run"].returncode == 0
    for path, stamp in demo_quick["stamps"].items():
        assert path.stat().st_mtime_ns == stamp, path  # neither its result nor its weights were rewritten
    again = subprocess.run([*CLI, "compare", "--quick", "--out", str(demo_quick["out"]), "--scenarios",
                            str(HANDWRITTEN), "--quiet"], capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    assert demo_quick["first"].stat().st_mtime_ns == demo_quick["stamps"][demo_quick["first"]]


def _report_copy(src: Path, dst: Path) -> Path:
    """The compare directory without its weights, with a transcript that tries to run a script."""
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("*.safetensors", "trainer", "*.jsonl.partial"))
    tr = dst / "base" / "eval.transcripts.jsonl"
    rows = [json.loads(x) for x in tr.read_text().splitlines()]
    hit = next(r for r in rows if r.get("harmful") and r["status"] not in ("unparseable", "truncated", "empty"))
    hit["text"] = "<script>alert(1)</script>" + hit["text"]
    tr.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return dst


CHECK = """<script>
window.__alerts = 0; window.alert = function () { window.__alerts++; };
window.addEventListener('load', function () {
  var imgs = Array.prototype.slice.call(document.images);
  document.body.setAttribute('data-check', JSON.stringify({
    images: imgs.length, decoded: imgs.filter(function (i) { return i.complete && i.naturalWidth > 0; }).length,
    alerts: window.__alerts, scripts: document.scripts.length,
    rows: document.querySelectorAll('#comparison tbody tr').length}));
});
</script>"""


def test_report_renders_in_headless_chromium_and_shows_model_text_as_text(demo_quick, tmp_path):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("headless Chromium not found: install the Debian package chromium (.ci/run does)")
    d = _report_copy(demo_quick["out"], tmp_path / "copy")
    r = subprocess.run([*CLI, "report", str(d)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    html = (d / "report.html").read_text()
    assert "<script" not in html.replace("&lt;script", "")  # no script of its own, none let through
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "http://" not in html and "https://" not in html  # nothing to fetch
    page = tmp_path / "check.html"
    page.write_text(html.replace("<head>", "<head>" + CHECK, 1))
    shot = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=10000",
                           "--enable-logging=stderr", "--v=0", "--dump-dom", page.as_uri()],
                          capture_output=True, text=True, timeout=120)
    assert shot.returncode == 0, shot.stderr[-2000:]
    check = json.loads(re.search(r'data-check="([^"]*)"', shot.stdout).group(1).replace("&quot;", '"'))
    assert check["rows"] == len(ARMS)
    assert check["images"] >= 4 and check["decoded"] == check["images"]  # bars, curves, quality loop, heatmap
    assert check["alerts"] == 0 and check["scripts"] == 1  # only the checker ran
    assert "alert(1)" in shot.stdout and "Uncaught" not in shot.stderr


def small_compare(tmp_path: Path, **compare) -> Path:
    cfg = yaml.safe_load(default_config_path().read_text())
    cfg["compare"] = {"budget": 1200, "seeds": 2, "sweep": [0.5, 1.0], "workers": 2, "target": 0.99,
                      "eval": {"suites": ["agentic", "agentic_ood"], "scenarios_per_cell": 1, "samples": 1},
                      "arms": {"base": [], "direct": [{"method": "sft", "weights": {"honeypot": 1.0},
                                                       "batch_size": 2}],
                               "principled": [{"method": "sft", "batch_size": 2,
                                               "weights": {"constitution_docs": 0.5, "aligned_stories": 0.5}}]},
                      **compare}
    path = tmp_path / "compare.yaml"
    path.write_text(yaml.safe_dump(cfg, allow_unicode=True))
    return path


def test_seeds_and_the_token_sweep_give_curves_differences_and_tokens_to_target(demo_quick, tmp_path):
    out = tmp_path / "cmp"
    r = subprocess.run([*CLI, "compare", "--config", str(small_compare(tmp_path)), "--out", str(out), "--data",
                        str(demo_quick["out"] / "data"), "--quiet"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    result = json.loads((out / "comparison.json").read_text())
    assert len(list((out / "runs").glob("*/*/*/run.json"))) == 2 * 2 * 2  # arms x multiples x seeds, two at once
    single = json.loads((out / "runs" / "direct" / "x1" / "seed0" / "eval.json").read_text())
    rows = {row["arm"]: row for row in result["rows"]}
    assert rows["direct"]["ood_after"]["n"] == 2 * single["suites"]["agentic_ood"]["harmful"]["n"]  # seeds pooled
    for arm in ("direct", "principled"):
        curve = result["curves"][arm]
        assert [len(p["ood"]) for p in curve] == [2, 2] and curve[0]["tokens"] < curve[1]["tokens"]
        reached = [p["tokens"] for p in curve if sum(p["ood"]) / 2 < 0.99]
        assert rows[arm]["tokens_to_target"] == (round(min(reached)) if reached else None)
    d = rows["principled"]["ood_vs_reference"]
    assert d["ci95"][0] <= d["difference"] <= d["ci95"][1]  # two seeds a side: an interval over seeds
    assert rows["direct"]["ood_vs_reference"] is None


def test_welch_difference_over_seeds():
    d = welch([0.2, 0.4, 0.3], [0.5, 0.7, 0.6])
    assert d["difference"] == pytest.approx(-0.3)
    half = d["difference"] - d["ci95"][0]
    assert half == pytest.approx(d["ci95"][1] - d["difference"]) and 0.1 < half < 0.3  # t(4) * sqrt(0.01/3 * 2)
    assert welch([0.5, 0.5], [0.25, 0.25])["ci95"] == [0.25, 0.25]
    assert welch([0.5], [0.25, 0.3])["ci95"] == [None, None]


def test_bad_compare_input_fails_with_one_line(tmp_path, demo_quick):
    def cli(*args: str) -> CliResult:
        return run_cli(list(args), cwd=tmp_path)

    sft = {"method": "sft", "weights": {"honeypot": 1.0}}
    cases = [
        ({"arms": {"base": [], "a": [{**sft, "share": 0.5}]}}, "arm 'a': phase shares sum to 0.5, not 1"),
        ({"arms": {"base": [], "a": [{**sft, "weights": {"nothing": 1.0}}]}, "reference": "base"}, "unknown dataset 'nothing'"),
        ({"arms": {"base": [], "a": [{"method": "grpo", "weights": {"difficult_advice": 1.0}}]}},
         "grpo trains on prompts rows, which 'difficult_advice' does not have"),
        ({"arms": {"a": [sft]}, "reference": "a"}, "an arm named 'base' with no phases is required"),
        ({"reference": "nobody"}, "reference arm 'nobody' is not an arm"),
        ({"sweep": [0.5, 2.0]}, "the sweep must hold 1"),
        ({"eval": {"sweep_suites": ["agentic"]}}, "sweep_suites must hold agentic and agentic_ood"),
        ({"arms": {"base": [], "Bad Arm": [sft]}, "reference": "base"}, "arm name 'Bad Arm' must be a lowercase slug"),
    ]
    for i, (compare, message) in enumerate(cases):  # each names the file and the field, before any work
        cfg = yaml.safe_load(default_config_path().read_text())
        cfg["compare"].update(compare)
        path = tmp_path / f"bad{i}.yaml"
        path.write_text(yaml.safe_dump(cfg))
        with pytest.raises(InputError, match=re.escape(message)) as err:
            load_config(path)
        assert str(path) in str(err.value) and "compare" in str(err.value) and "\n" not in str(err.value)
    cfg = yaml.safe_load(default_config_path().read_text())
    del cfg["data"]["recipes"]["aligned_stories"]
    cfg["data"]["mixtures"] = {k: v for k, v in cfg["data"]["mixtures"].items() if "aligned_stories" not in v["weights"]}
    path = tmp_path / "norecipe.yaml"
    path.write_text(yaml.safe_dump(cfg))
    r = cli("compare", "--config", str(path), "--out", str(tmp_path / "o"))  # and through the CLI: one line, exit 2
    assert r.returncode == 2 and "draws from 'aligned_stories', which data.recipes does not build" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    for args, message in [(["compare", "--workers", "0"], "--workers: must be at least 1"),
                          (["compare", "--data", str(tmp_path)], "--data: not a data build directory"),
                          (["compare", "--scenarios", str(tmp_path / "none.yaml")], "none.yaml"),
                          (["report", str(tmp_path)], "not a compare directory"),
                          (["report", str(tmp_path / "none")], "not a directory"),
                          (["demo", "--scenarios", str(tmp_path / "none.yaml")], "--scenarios: file not found")]:
        r = cli(*args, *(["--out", str(tmp_path / "o")] if args[0] == "compare" else []))
        assert r.returncode == 2 and message in r.stderr, (args, r.stderr)
        assert len(r.stderr.strip().splitlines()) == 1, (args, r.stderr)
    assert not (tmp_path / "o").exists()
    # another data build under an OUT that has one already is refused, never mixed
    other = tmp_path / "other"
    shutil.copytree(demo_quick["out"] / "data", other / "data", ignore=shutil.ignore_patterns("mixtures"))
    r = cli("compare", "--quick", "--out", str(demo_quick["out"]), "--data", str(other / "data"))
    assert r.returncode == 2 and "already holds another data build" in r.stderr


def test_a_grpo_token_budget_stops_at_the_nearest_step_and_at_the_same_step_after_a_resume():
    from transformers import TrainerControl, TrainerState

    from alignlab.train.callbacks import TokenBudget

    def run(budget: int, history: list[int], logs: list[int]) -> int | None:
        cb, state = TokenBudget(budget), TrainerState()
        state.log_history = [{"num_tokens": t} for t in history]
        for seen in logs:
            control = TrainerControl()
            state.log_history.append({"num_tokens": seen})
            cb.on_log(None, state, control, logs={"num_tokens": seen})
            if control.should_training_stop:
                return seen
        return None

    assert run(1000, [], [300, 600, 900, 1200]) == 900  # 900 is nearer 1000 than 1200 would be
    assert run(1100, [], [300, 600, 900, 1200]) == 1200
    assert run(1000, [300, 600], [900, 1200]) == 900  # resumed at step 2: the same stop
