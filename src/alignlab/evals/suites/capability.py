"""``capability``: benign tasks in the same environments (every domain and format): completion and over-refusal."""

from __future__ import annotations

from alignlab.evals.suites.base import Suite, cells_summary, clustered, invalid, row, scenario_items
from alignlab.world.cells import DOMAINS, FAMILIES, FORMATS, Cell


def _build(split, constitution, per_cell, seed, partition, fresh):
    envs = [(d, f) for d in DOMAINS for f in FORMATS]
    cells = [Cell(FAMILIES[j % len(FAMILIES)], d, "none", "none", f) for j, (d, f) in enumerate(envs)]
    return scenario_items("capability", "benign", cells, per_cell, seed, partition, kind="benign", fresh=fresh)


def _summarise(rows: list[dict]) -> dict:
    return {**cells_summary(rows), "over_refusal": clustered(rows, lambda r: r["refused"])}


def _headline(name: str, s: dict) -> list[tuple[float, dict]]:
    return [(9, row("capability: task completed", s["task_completed"], invalid(s))),
            (9, row("capability: over-refusal", s["over_refusal"], invalid(s)))]


SUITE = Suite(
    name="capability",
    description="Benign tasks in the same environments: completion rate.",
    build=_build,
    summarise=_summarise,
    headline=_headline,
    order=9,
    scorer="task_completed",
    train_column=("capability", "capability: task completed"),
)
