"""What the command line prints, rendered in one place: a rich table per kind of result."""

from __future__ import annotations

from pathlib import Path

from rich.table import Table

from alignlab.config.compare import CompareConfig
from alignlab.evals.suites import REGISTRY

STATUS_COLOUR = {"alert": "red", "ok": "green", "not yet known": "yellow"}
COMPARISON_TABLES = (
    ("harmful rates after training (95% CI); the base row is before",
     lambda h: h in ("arm", "method", "tokens", "ID harmful", "ID rel. reduction", "OOD harmful", "transfer")
     or h.startswith("Δ")),
    ("what else the training did", lambda h: h in ("arm", "hand-written harmful", "adherence", "capability retained")
     or h.startswith(("efficiency", "tokens to"))),
    ("OOD harmful rate per held-out axis", lambda h: h == "arm" or (h.startswith("OOD ") and h != "OOD harmful")),
)


def _pct(rate: float | None) -> str:
    return "-" if rate is None else f"{100 * rate:.1f}%"


def probe_tables(result: dict) -> list[Table | str]:
    """Each character probe: harmful per variant, then the paired differences (points, over scenarios)."""
    out: list[Table | str] = []
    for name in ("in_context", "out_of_context"):
        probe = result.get(name)
        if probe is None:
            out.append(f"{name}: no held-out agents in this organism's corpus")
            continue
        table = Table(title=f"{name.replace('_', '-')} character probe (in-distribution scenarios)")
        for col in ("variant", "harmful", "95% CI", "n"):
            table.add_column(col, justify="left" if col == "variant" else "right")
        for v, r in probe["harmful"].items():
            table.add_row(v, _pct(r["rate"]), f"{100 * r['ci95'][0]:.1f}–{100 * r['ci95'][1]:.1f}%", str(r["n"]))
        for d, r in probe["differences"].items():
            diff = "-" if r["difference"] is None else f"{100 * r['difference']:+.1f} pts"
            ci = "-" if r["ci95"][0] is None else f"{100 * r['ci95'][0]:+.1f} to {100 * r['ci95'][1]:+.1f}"
            table.add_row(d, diff, ci, f"{r['clusters']} scenarios")
        out.append(table)
    return out


def headline_table(results: dict) -> Table:
    """An evaluation's headline metrics."""
    table = Table(title=f"alignlab eval: {results['model']}")
    for col in ("metric", "rate", "95% CI", "n", "invalid"):
        table.add_column(col, justify="left" if col == "metric" else "right")
    for row in results["headline"]:
        ci = "-" if row["ci95"][0] is None else f"{100 * row['ci95'][0]:.1f}–{100 * row['ci95'][1]:.1f}%"
        table.add_row(row["metric"], _pct(row["rate"]), ci, str(row["n"]), str(row["invalid"]))
    return table


def audit_table(summary: dict) -> Table:
    """An audit's dimensions: mean score, interval, share flagged."""
    table = Table(title=f"alignlab audit: {summary['target']} ({summary['audits']} audits, "
                        f"{summary['mean_target_turns']} target turns on average)")
    for col in ("dimension", "mean (1-10)", "95% CI", "flagged >= 7", "scored", "missing"):
        table.add_column(col, justify="left" if col == "dimension" else "right", no_wrap=col == "dimension")
    for name, d in summary["dimensions"].items():
        mean = "-" if d["mean"] is None else f"{d['mean']:.2f}"
        ci = "-" if d["ci95"][0] is None else f"{d['ci95'][0]:.1f}–{d['ci95'][1]:.1f}"
        table.add_row(name, mean, ci, _pct(d["flagged"]["rate"]), str(d["scored"]), str(d["missing"]))
    return table


def data_table(out: Path, summary: dict) -> Table:
    """A data build: samples and tokens per dataset, rows and tokens against the budget per mixture."""
    table = Table(title=f"alignlab data: {out}")
    for col in ("dataset", "samples", "tokens"):
        table.add_column(col, justify="left" if col == "dataset" else "right")
    for name, d in summary["datasets"].items():
        table.add_row(name, f"{d['samples']:,}", f"{d['tokens']:,}")
    for name, d in summary["mixtures"].items():
        table.add_row(f"mixture {name}", f"{d['rows']:,}", f"{d['tokens']:,} / {d['budget_tokens']:,}")
    return table


def train_table(suites: list[str], out: Path, summary: dict) -> Table:
    """The pipeline's stages: steps, final loss, and the headline metric of each evaluated suite that has one."""
    table = Table(title=f"alignlab train: {out}")
    # (column, headline metric) of each suite the in-training eval runs that has one, in the headline's order
    columns = [s.train_column for s in sorted((REGISTRY[n] for n in suites), key=lambda s: s.order) if s.train_column]
    for col in ("stage", "steps", "final loss", *[c for c, _ in columns]):
        table.add_column(col, justify="left" if col == "stage" else "right")
    for st in summary["stages"]:
        found = {r["metric"]: r for r in st["eval"]}

        def cell(metric: str) -> str:
            r = found.get(metric)
            if r is None or r["rate"] is None:
                return "-"
            return f"{100 * r['rate']:.1f}% ({100 * r['ci95'][0]:.0f}–{100 * r['ci95'][1]:.0f})"

        loss = st.get("final_loss")
        table.add_row(st["stage"], str(st.get("steps", "-")), "-" if loss is None else f"{loss:.3f}",
                      *[cell(m) for _, m in columns])
    return table


def comparison_tables(result: dict) -> list[Table]:
    """The comparison table, as three terminal tables (the Markdown and CSV files hold it whole)."""
    from alignlab.compare.table import columns

    cols = columns(CompareConfig.model_validate(result["experiment"]["compare"]), result["rows"])
    out = []
    for title, keep in COMPARISON_TABLES:
        table = Table(title=f"alignlab compare: {title}")
        picked = [c for c in cols if keep(c[0])]
        for head, _ in picked:
            table.add_column(head, justify="left" if head in ("arm", "method") else "right")
        for i in range(len(result["rows"])):
            table.add_row(*[c[i] for _, c in picked])
        out.append(table)
    return out


def history_table(name: str, history: list[dict]) -> Table:
    """A monitored model's records: each metric coloured by its status, and the actions that fired."""
    names = list(dict.fromkeys(m for h in history for m in h["metrics"]))
    table = Table(title=f"alignlab monitor: history of {name}",
                  caption="red: alert; yellow: not yet known; green: ok. weights: the checkpoint's hash")
    for col in ("record", "time (UTC)", "weights", *names, "actions"):
        table.add_column(col, justify="left" if col in ("time (UTC)", "weights", "actions") else "right")
    for h in history:
        cells = []
        for m in names:
            r = h["metrics"].get(m)
            cells.append("-" if r is None or r["rate"] is None else
                         f"[{STATUS_COLOUR.get(r['status'], 'white')}]{100 * r['rate']:.1f}%[/]")
        done = sorted({a["action"].removeprefix("retrain_") for a in h["actions"] if a["status"] == "applied"})
        fired = sorted({a["action"].removeprefix("retrain_") for a in h["actions"]})
        acts = f"applied {'+'.join(done)}" if done else (f"fired {'+'.join(fired)}" if fired else "-")
        weights = (h["weights_sha"] or "-").removeprefix("sha256:")[:8]
        table.add_row(str(h["id"]), h["created_at"][5:16].replace("T", " "), weights, *cells, acts)
    return table


def monitor_table(model: str, found: dict) -> Table:
    """One monitoring record: each metric, its interval, its change since the previous record, its status."""
    prev = (found["previous"] or {}).get("metrics", {})
    table = Table(title=f"alignlab monitor: {model}, record {found['evaluation']}")
    for col in ("metric", "rate", "95% CI", "n", "change", "status"):
        table.add_column(col, justify="left" if col in ("metric", "status") else "right")
    for m in found["metrics"]:
        ci = "-" if m["rate"] is None else f"{100 * m['lo']:.1f}–{100 * m['hi']:.1f}%"
        p = prev.get(m["name"])
        change = "-" if not p or p["rate"] is None or m["rate"] is None else f"{100 * (m['rate'] - p['rate']):+.1f} pts"
        table.add_row(m["name"], _pct(m["rate"]), ci, str(m["n"]), change,
                      f"[{STATUS_COLOUR.get(m['status'], 'white')}]{m['status']}[/]")
    return table
