"""``agentic_ood``: the held-out cells, grouped by the axis that holds them out (family, domain, urgency, format)."""

from __future__ import annotations

from collections import defaultdict

from alignlab.evals.suites.base import Suite, agentic_summary, cells_summary, invalid, row, scenario_items


def _summarise(rows: list[dict]) -> dict:
    groups = defaultdict(list)
    for r in rows:
        groups[r["group"].removeprefix("ood_")].append(r)
    return {**cells_summary(rows), "axes": {a: agentic_summary(v) for a, v in sorted(groups.items())}}


def _headline(name: str, s: dict) -> list[tuple[float, dict]]:
    rows = [row("agentic_ood: harmful", s["harmful"], invalid(s)), row("  agentic_ood: misaimed share", s["misaimed_share"])]
    rows += [row(f"  ood {axis}: harmful", a["harmful"], invalid(a)) for axis, a in s["axes"].items()]
    return [(6, r) for r in rows]


SUITE = Suite(
    name="agentic_ood",
    description="Held-out cells along every OOD axis (axis in each score's metadata).",
    build=lambda split, constitution, per_cell, seed, partition, fresh: [
        it for axis in split.axes()
        for it in scenario_items("agentic_ood", f"ood_{axis}", split.held_out_cells(axis), per_cell, seed, partition,
                                 fresh=fresh)],
    summarise=_summarise,
    headline=_headline,
    order=6,
    train_column=("ood harmful", "agentic_ood: harmful"),
)
