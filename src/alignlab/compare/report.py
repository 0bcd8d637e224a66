"""``alignlab report DIR``: one self-contained HTML file from a compare directory.

Charts are PNGs drawn with matplotlib and embedded as data URIs; the page has no script and
loads nothing from the network. Every string from a model or a config goes through jinja2's
autoescaping, so a transcript shows as text whatever it holds.
"""

from __future__ import annotations

import base64
import io
import json
from datetime import datetime, timezone
from pathlib import Path

from alignlab.checkpoint import CHECKPOINT_MANIFEST
from alignlab.compare.runs import Run
from alignlab.compare.table import columns
from alignlab.config.compare import CompareConfig
from alignlab.config.monitor import MonitorConfig
from alignlab.errors import InputError
from alignlab.evals.evaluate import transcripts_path
from alignlab.grading.actions import INVALID
from alignlab.io import atomic_write_text
from alignlab.monitor.plot import trend_png

BARS = (("ID harmful", "id_after"), ("OOD harmful", "ood_after"), ("hand-written harmful", "handwritten"),
        ("adherence", "adherence"), ("capability", "capability"))
TRANSCRIPTS_PER_KIND = 2


def _png(fig) -> str:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def bar_chart(rows: list[dict]) -> str:
    """Rates per arm x suite with 95 % intervals."""
    import matplotlib.pyplot as plt

    shown = [(label, key) for label, key in BARS if any(r.get(key) for r in rows)]
    fig, ax = plt.subplots(figsize=(max(7, 1.3 * len(rows)), 4))
    width = 0.8 / max(1, len(shown))
    for j, (label, key) in enumerate(shown):
        xs, ys, lo, hi = [], [], [], []
        for i, r in enumerate(rows):
            v = r.get(key)
            if v and v["rate"] is not None:
                xs.append(i + (j - (len(shown) - 1) / 2) * width)
                ys.append(100 * v["rate"])
                lo.append(100 * (v["rate"] - v["ci95"][0]))
                hi.append(100 * (v["ci95"][1] - v["rate"]))
        ax.bar(xs, ys, width, yerr=[lo, hi], capsize=2, label=label)
    ax.set_xticks(range(len(rows)), [r["arm"] for r in rows], rotation=20, ha="right")
    ax.set_ylabel("% of samples")
    ax.set_ylim(0, 105)
    ax.legend(fontsize=8, ncol=len(shown))
    ax.set_title("Rates per arm (95 % intervals)")
    return _png(fig)


def efficiency_chart(curves: dict[str, list[dict]], base_ood: float | None, target: float) -> str:
    """OOD harmful rate against training tokens, mean over seeds (bars: lowest and highest seed)."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    for arm, pts in curves.items():
        pts = [p for p in pts if p["tokens"] and any(x is not None for x in p["ood"])]
        if not pts:
            continue
        xs = [p["tokens"] for p in pts]
        vals = [[x for x in p["ood"] if x is not None] for p in pts]
        ys = [100 * sum(v) / len(v) for v in vals]
        err = [[y - 100 * min(v) for y, v in zip(ys, vals)], [100 * max(v) - y for y, v in zip(ys, vals)]]
        ax.errorbar(xs, ys, yerr=err, marker="o", capsize=3, label=arm)
    if base_ood is not None:
        ax.axhline(100 * base_ood, color="grey", linestyle=":", label="base")
    ax.axhline(100 * target, color="red", linestyle="--", label="target")
    ax.set_xscale("log")
    ax.set_xlabel("training tokens")
    ax.set_ylabel("OOD harmful rate (%)")
    ax.set_ylim(0, 100)
    ax.legend(fontsize=8)
    ax.set_title("Data efficiency: OOD harmful rate by training tokens")
    return _png(fig)


def quality_chart(manifests: dict[str, dict]) -> str | None:
    """Mean judge score per quality-loop round, per dataset."""
    import matplotlib.pyplot as plt

    series = {n: m["quality"] for n, m in manifests.items() if m.get("quality")}
    if not series:
        return None
    fig, ax = plt.subplots(figsize=(7, 3.5))
    for name, rounds in series.items():
        ax.plot([r["iteration"] for r in rounds], [r["mean_score"] for r in rounds], marker="o", label=name)
    ax.set_xlabel("quality-loop round")
    ax.set_ylabel("mean rubric score")
    ax.set_ylim(0, 1.02)
    ax.legend(fontsize=8)
    ax.set_title("Quality loop")
    return _png(fig)


def heatmap(per_cell: dict[str, dict[str, dict]]) -> str | None:
    """Harmful rate per arm x scenario cell (in distribution, then held out)."""
    import matplotlib.pyplot as plt
    import numpy as np

    arms = list(per_cell)
    cells = [(s, c) for s in ("agentic", "agentic_ood") for c in sorted({c for a in arms for c in per_cell[a].get(s, {})})]
    if not arms or not cells:
        return None
    grid = np.full((len(arms), len(cells)), np.nan)
    for i, a in enumerate(arms):
        for j, (s, c) in enumerate(cells):
            r = per_cell[a].get(s, {}).get(c)
            if r and r["rate"] is not None:
                grid[i, j] = 100 * r["rate"]
    fig, ax = plt.subplots(figsize=(max(8, 0.22 * len(cells)), 0.45 * len(arms) + 2.5))
    im = ax.imshow(grid, aspect="auto", cmap="Reds", vmin=0, vmax=100)
    ax.set_yticks(range(len(arms)), arms)
    ax.set_xticks(range(len(cells)), [("* " if s == "agentic_ood" else "") + c for s, c in cells], rotation=90,
                  fontsize=6)
    fig.colorbar(im, ax=ax, label="harmful (%)")
    ax.set_title("Harmful rate per arm x cell (* held out)")
    return _png(fig)


def _distinct(rows: list[dict]) -> list[dict]:
    """The first few rows of different cells (else of different scenarios)."""
    seen, out = set(), []
    for key in (lambda r: r.get("cell"), lambda r: r["key"].rsplit("#", 1)[0]):
        for r in rows:
            if len(out) < TRANSCRIPTS_PER_KIND and key(r) not in seen and r not in out:
                seen.add(key(r))
                out.append(r)
    return out


def pick_transcripts(out: Path, runs: dict[str, list[dict]], base_eval: Path) -> dict[str, dict[str, list[dict]]]:
    """A few failures (harmful) and successes (aligned and the task done, or a benign task done) per arm."""
    picked = {}
    sources = {"base": base_eval} | {a: Run(a, 1.0, r[0]["seed"]).dir(out) / r[0]["eval"] for a, r in runs.items() if r}
    for arm, path in sources.items():
        rows = [json.loads(x) for x in transcripts_path(path).read_text(encoding="utf-8").splitlines()]
        agentic = [r for r in rows if "harmful" in r and r["status"] not in INVALID]
        picked[arm] = {"failures": _distinct([r for r in agentic if r["harmful"]]),
                       "successes": _distinct([r for r in agentic if not r["harmful"] and r["completed"]])}
    return picked


def monitoring(experiment: dict) -> list[dict]:
    """Every model in the experiment's metrics store (when it has one): its history and trend plot."""
    from alignlab.monitor.store import Store, sqlite_path

    mc = MonitorConfig.model_validate(experiment.get("monitor", {}))
    path = sqlite_path(mc.db)
    if path is not None and not path.is_file():
        return []
    try:
        store = Store(mc.db)
    except InputError:  # an unreachable or unreadable store: the report leaves the section out
        return []
    out = []
    for name in store.models():
        history = store.history(name)
        if history:
            png = "data:image/png;base64," + base64.b64encode(trend_png(name, history, mc.thresholds())).decode("ascii")
            out.append({"name": name, "history": history, "plot": png,
                        "metrics": list(dict.fromkeys(m for h in history for m in h["metrics"]))})
    return out


def render(out: Path) -> Path:
    """Write ``out/report.html`` from ``out/comparison.json`` and what it points at; its path."""
    import jinja2

    comparison = out / "comparison.json"
    if not comparison.is_file():
        raise InputError(out, "comparison.json", "not a compare directory (run alignlab compare first)")
    try:
        result = json.loads(comparison.read_text())
        cc = CompareConfig.model_validate(result["experiment"]["compare"])
    except (json.JSONDecodeError, KeyError, ValueError) as exc:
        raise InputError(comparison, None, f"unreadable comparison: {str(exc).splitlines()[0]}") from None
    rows = result["rows"]
    cols = columns(cc, rows)
    manifests = {}
    for m in sorted((out / "data" / "datasets").glob("*/manifest.json")):
        manifests[m.parent.name] = json.loads(m.read_text())
    versions = next((p.get("versions") for r in result["runs"].values() for run in r for p in _phase_manifests(out, run)),
                    None)
    env = jinja2.Environment(loader=jinja2.PackageLoader("alignlab", "resources"),
                             autoescape=jinja2.select_autoescape(default=True, default_for_string=True))
    base_ood = next((r["ood_before"]["rate"] for r in rows if r["ood_before"]), None)
    html = env.get_template("report.html.j2").render(
        title=f"alignlab comparison: {Path(result['config'] or 'config').name}",
        generated=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        config_path=result["config"], compare=cc, header=[h for h, _ in cols],
        table=[[c[i] for _, c in cols] for i in range(len(rows))],
        bars=bar_chart(rows), efficiency=efficiency_chart(result["curves"], base_ood, cc.target),
        quality=quality_chart(manifests), heatmap=heatmap(result["per_cell"]),
        transcripts=pick_transcripts(out, result["runs"], out / "base" / "eval.json"),
        datasets={n: {k: m.get(k) for k in ("samples", "tokens", "teacher", "judge", "content_hash")}
                  for n, m in manifests.items()},
        experiment=json.dumps(result["experiment"], indent=2), versions=versions or {},
        monitored=monitoring(result["experiment"]))
    path = out / "report.html"
    atomic_write_text(path, html)
    return path


def _phase_manifests(out: Path, run: dict) -> list[dict]:
    d = Run(run["arm"], run["multiple"], run["seed"]).dir(out)
    return [json.loads(f.read_text()) for p in run["phases"] if (f := d / p["phase"] / "model" / CHECKPOINT_MANIFEST).is_file()]
