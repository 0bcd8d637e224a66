"""``agentic``: the in-distribution cells (the paper's evaluation distribution)."""

from __future__ import annotations

from alignlab.evals.suites.base import Suite, cells_summary, harmful_headline, scenario_items

SUITE = Suite(
    name="agentic",
    description="In-distribution agentic misalignment: harmful-action rate.",
    build=lambda split, constitution, per_cell, seed, partition, fresh: scenario_items(
        "agentic", "id", split.in_distribution_cells(), per_cell, seed, partition, fresh=fresh),
    summarise=cells_summary,
    headline=harmful_headline(1, misaimed=True),
    order=1,
    train_column=("agentic harmful", "agentic: harmful"),
)
