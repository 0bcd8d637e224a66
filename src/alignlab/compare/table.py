"""The comparison table: the guide's table of methods, measured, from a compare directory's results.

Every arm's rates pool its seeds' transcripts, with intervals clustered by (seed, scenario);
differences between arms are means over seeds with Welch t-intervals (none with one seed).
"""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path

from alignlab.compare.runs import SCHEMA, Run, plan_runs
from alignlab.config import ExperimentConfig
from alignlab.config.compare import CompareConfig
from alignlab.errors import InputError
from alignlab.evals.evaluate import summarise, transcripts_path
from alignlab.evals.metrics import t975
from alignlab.io import atomic_write_json, atomic_write_text

ID, OOD = ("agentic", "harmful"), ("agentic_ood", "harmful")


def _rows(eval_json: Path, seed: int) -> list[dict]:
    """A run's transcript rows, each sample renamed by its seed: every seed is evaluated on the same scenarios, so
    samples of one scenario under several seeds stay one cluster."""
    rows = [json.loads(x) for x in transcripts_path(eval_json).read_text(encoding="utf-8").splitlines()]
    out = []
    for r in rows:
        scenario, k = r["key"].rsplit("#", 1)
        out.append({**r, "key": f"{scenario}#s{seed}-{k}"})
    return out


def _get(suites: dict, path: tuple) -> dict | None:
    node = suites
    for p in path:
        if not isinstance(node, dict) or p not in node:
            return None
        node = node[p]
    return node


def _rate(suites: dict, path: tuple) -> float | None:
    r = _get(suites, path)
    return None if r is None else r["rate"]


def welch(a: list[float], b: list[float]) -> dict:
    """Mean of ``a`` minus mean of ``b`` with a Welch 95 % t-interval (None without two values on each side).
    A seed without a rate (every output invalid) is left out."""
    a, b = [x for x in a if x is not None], [x for x in b if x is not None]
    if not a or not b:
        return {"difference": None, "ci95": [None, None]}
    diff = sum(a) / len(a) - sum(b) / len(b)
    if len(a) < 2 or len(b) < 2:
        return {"difference": round(diff, 4), "ci95": [None, None]}
    va = sum((x - sum(a) / len(a)) ** 2 for x in a) / (len(a) - 1) / len(a)
    vb = sum((x - sum(b) / len(b)) ** 2 for x in b) / (len(b) - 1) / len(b)
    se = math.sqrt(va + vb)
    if se == 0:
        return {"difference": round(diff, 4), "ci95": [round(diff, 4), round(diff, 4)]}
    df = (va + vb) ** 2 / ((va ** 2 / (len(a) - 1)) + (vb ** 2 / (len(b) - 1)))
    half = t975(max(1, math.floor(df))) * se
    return {"difference": round(diff, 4), "ci95": [round(diff - half, 4), round(diff + half, 4)]}


def collect(cc: CompareConfig, out: Path) -> dict:
    """Per arm: pooled suites at x1, per-seed rates, and the sweep's OOD curve."""
    base_eval = out / "base" / "eval.json"
    if not base_eval.is_file():
        raise InputError(out, "base/eval.json", "no base evaluation: run alignlab compare first")
    base = json.loads(base_eval.read_text())["suites"]
    arms: dict[str, dict] = {a: {"suites": base, "tokens": 0, "runs": []} for a in cc.arms}
    by_arm: dict[str, dict[float, list[dict]]] = {a: {} for a in arms}
    missing = []
    for run in plan_runs(cc):
        stored = run.dir(out) / "run.json"
        if not stored.is_file():
            missing.append(run.name)
            continue
        res = json.loads(stored.read_text())
        res["results"] = json.loads((run.dir(out) / res["eval"]).read_text())
        by_arm[run.arm].setdefault(run.multiple, []).append(res)
    if missing:
        raise InputError(out, "runs", f"{len(missing)} runs have no result yet (first: {missing[0]}); rerun alignlab "
                                      "compare to finish them")
    for arm, by_m in by_arm.items():
        if not cc.arms[arm]:  # no training: the same model under every seed
            arms[arm]["seeds"] = {"ood": [_rate(base, OOD)] * cc.seeds, "id": [_rate(base, ID)] * cc.seeds}
            arms[arm]["curve"] = [{"multiple": m, "tokens": 0, "ood": [_rate(base, OOD)]} for m in cc.sweep]
            continue
        full = by_m[1.0]
        rows = [r for res in full for r in _rows(run_dir(out, res) / res["eval"], res["seed"])]
        arms[arm].update(
            suites=summarise(rows),
            tokens=sum(r["tokens_seen"] for r in full) / len(full),
            seeds={"ood": [_rate(r["results"]["suites"], OOD) for r in full],
                   "id": [_rate(r["results"]["suites"], ID) for r in full]},
            runs=[{k: v for k, v in r.items() if k != "results"} for r in full],
            curve=[{"multiple": m, "tokens": sum(r["tokens_seen"] for r in rs) / len(rs),
                    "ood": [_rate(r["results"]["suites"], OOD) for r in rs]} for m, rs in sorted(by_m.items())])
    return {"base": base, "arms": arms}


def run_dir(out: Path, res: dict) -> Path:
    return Run(res["arm"], res["multiple"], res["seed"]).dir(out)


def _mean(xs: list[float | None]) -> float | None:
    xs = [x for x in xs if x is not None]
    return sum(xs) / len(xs) if xs else None


def table_rows(cc: CompareConfig, found: dict) -> list[dict]:
    """One row per arm: the guide's columns."""
    base = found["base"]
    id0, ood0 = _rate(base, ID), _rate(base, OOD)
    cap0 = _rate(base, ("capability", "task_completed"))
    ref = found["arms"][cc.reference]["seeds"]["ood"]
    out = []
    for arm, a in found["arms"].items():
        s = a["suites"]
        id1, ood1 = _rate(s, ID), _rate(s, OOD)
        id_red = None if id0 is None or id1 is None else id0 - id1
        ood_red = None if ood0 is None or ood1 is None else ood0 - ood1
        cap1 = _rate(s, ("capability", "task_completed"))
        reached = [c["tokens"] for c in a["curve"] if (m := _mean(c["ood"])) is not None and m < cc.target]
        out.append({
            "arm": arm,
            "methods": "+".join(p.method for p in cc.arms[arm]) or "-",
            "tokens": round(a["tokens"]),
            "seeds": len(a["seeds"]["ood"]),
            "id_before": _get(base, ID), "id_after": _get(s, ID),
            "id_relative_reduction": None if not id0 or id_red is None else round(id_red / id0, 4),
            "ood_before": _get(base, OOD), "ood_after": _get(s, OOD),
            "ood_axes": {ax: v["harmful"] for ax, v in (_get(s, ("agentic_ood", "axes")) or {}).items()},
            "transfer_ratio": None if not id_red or id_red <= 0 or ood_red is None else round(ood_red / id_red, 3),
            "handwritten": _get(s, ("handwritten", "harmful")),
            "adherence": _get(s, ("constitution_adherence", "adherent")),
            "capability": _get(s, ("capability", "task_completed")),
            "capability_retained": None if not cap0 or cap1 is None else round(cap1 / cap0, 4),
            "efficiency": None if not a["tokens"] or ood_red is None else round(100 * ood_red / (a["tokens"] / 1e6), 2),
            "tokens_to_target": (round(min(reached)) if reached else None) if cc.arms[arm] else (0 if ood0 is not None
                                                                                                 and ood0 < cc.target
                                                                                                 else None),
            "ood_vs_reference": None if arm == cc.reference else welch(a["seeds"]["ood"], ref),
        })
    return out


def _pct(r: dict | None) -> str:
    if r is None or r.get("rate") is None:
        return "-"
    return f"{100 * r['rate']:.1f}% ({100 * r['ci95'][0]:.0f}–{100 * r['ci95'][1]:.0f})"


def _num(x, fmt: str) -> str:
    return "-" if x is None else format(x, fmt)


def _diff(d: dict | None) -> str:
    if d is None or d["difference"] is None:
        return "-"
    ci = "" if d["ci95"][0] is None else f" ({100 * d['ci95'][0]:+.0f}…{100 * d['ci95'][1]:+.0f})"
    return f"{100 * d['difference']:+.1f}{ci}"


def columns(cc: CompareConfig, rows: list[dict]) -> list[tuple[str, list[str]]]:
    """(header, cells) per column, as the terminal, Markdown and CSV show them."""
    axes = sorted({ax for r in rows for ax in r["ood_axes"]})
    cols = [
        ("arm", [r["arm"] for r in rows]),
        ("method", [r["methods"] for r in rows]),
        ("tokens", [f"{r['tokens']:,}" for r in rows]),
        ("ID harmful", [_pct(r["id_after"]) for r in rows]),
        ("ID rel. reduction", [_num(r["id_relative_reduction"] and 100 * r["id_relative_reduction"], ".0f") + "%"
                               if r["id_relative_reduction"] is not None else "-" for r in rows]),
        ("OOD harmful", [_pct(r["ood_after"]) for r in rows]),
        *[(f"OOD {ax}", [_pct(r["ood_axes"].get(ax)) for r in rows]) for ax in axes],
        ("transfer", [_num(r["transfer_ratio"], ".2f") for r in rows]),
        ("hand-written harmful", [_pct(r["handwritten"]) for r in rows]),
        ("adherence", [_pct(r["adherence"]) for r in rows]),
        ("capability retained", [_num(r["capability_retained"] and 100 * r["capability_retained"], ".0f") + "%"
                                 if r["capability_retained"] is not None else "-" for r in rows]),
        ("efficiency (OOD pts / M tokens)", [_num(r["efficiency"], ".1f") for r in rows]),
        (f"tokens to OOD < {100 * cc.target:.0f}%",
         [("not reached" if r["tokens_to_target"] is None else f"{r['tokens_to_target']:,}") for r in rows]),
        (f"Δ OOD vs {cc.reference} (pts)", [_diff(r["ood_vs_reference"]) for r in rows]),
    ]
    return cols


def curve_table(cc: CompareConfig, curves: dict[str, list[dict]]) -> list[str]:
    """Markdown lines: OOD harmful rate (mean over seeds, and the seeds' range) per arm at each budget multiple."""
    if len(cc.sweep) < 2:
        return []
    lines = ["| arm | " + " | ".join(f"x{m:g}" for m in cc.sweep) + " |", "|---|" + "---|" * len(cc.sweep)]
    for arm, pts in curves.items():
        if not cc.arms[arm]:
            continue
        cells = []
        for p in pts:
            vals = [x for x in p["ood"] if x is not None]
            cells.append("-" if not vals else f"{100 * sum(vals) / len(vals):.1f}% ({100 * min(vals):.0f}–"
                                              f"{100 * max(vals):.0f}) at {round(p['tokens']):,} tok")
        lines.append(f"| {arm} | " + " | ".join(cells) + " |")
    return ["", "OOD harmful rate by training tokens (mean over seeds; the seeds' lowest–highest):", "", *lines]


def markdown(cc: CompareConfig, rows: list[dict], base: dict, curves: dict[str, list[dict]]) -> str:
    cols = columns(cc, rows)
    head = "| " + " | ".join(h for h, _ in cols) + " |"
    sep = "|" + "|".join("---" for _ in cols) + "|"
    body = ["| " + " | ".join(c[i] for _, c in cols) + " |" for i in range(len(rows))]
    notes = [
        f"Budget {cc.budget:,} tokens per arm (x1), {cc.seeds} seed(s); base model: ID harmful {_pct(_get(base, ID))}, "
        f"OOD harmful {_pct(_get(base, OOD))}, capability {_pct(_get(base, ('capability', 'task_completed')))}.",
        "Rates pool the seeds (95 % intervals clustered by scenario: every seed sees the same scenarios). "
        "Transfer: OOD reduction / ID reduction. "
        "Efficiency: OOD harmful-rate reduction in points per million training tokens. Differences: mean over seeds, "
        "Welch 95 % interval (none with one seed).",
    ]
    return "\n".join([head, sep, *body, "", *notes, *curve_table(cc, curves), ""])


def to_csv(cc: CompareConfig, rows: list[dict]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf)
    cols = columns(cc, rows)
    w.writerow([h for h, _ in cols])
    for i in range(len(rows)):
        w.writerow([c[i] for _, c in cols])
    return buf.getvalue()


def write_tables(cfg: ExperimentConfig, out: Path) -> dict:
    """comparison.json (everything the report needs), comparison.md and comparison.csv."""
    found = collect(cfg.compare, out)
    rows = table_rows(cfg.compare, found)
    result = {"schema": SCHEMA, "config": cfg.source, "experiment": cfg.model_dump(mode="json"),
              "base": {k: found["base"][k] for k in (ID[0], OOD[0], "capability") if k in found["base"]}, "rows": rows,
              "curves": {a: v["curve"] for a, v in found["arms"].items()},
              "per_cell": {a: {s: {c: v["harmful"] for c, v in (_get(found["arms"][a]["suites"], (s, "per_cell")) or {}).items()}
                               for s in ("agentic", "agentic_ood")} for a in found["arms"]},
              "runs": {a: v["runs"] for a, v in found["arms"].items()}}
    atomic_write_json(out / "comparison.json", result)
    atomic_write_text(out / "comparison.md", markdown(cfg.compare, rows, found["base"],
                                                      {a: v["curve"] for a, v in found["arms"].items()}))
    atomic_write_text(out / "comparison.csv", to_csv(cfg.compare, rows))
    return result
