"""Evaluation suites: one ``Suite`` per file in this package, in ``REGISTRY``.

A suite builds its items from the split and the constitution, summarises its scored rows, and
reports its headline rows; evaluation, the Inspect tasks, the train table and the monitor read
the registry. Adding a suite is a file holding its ``SUITE`` and a line in ``_MODULES``.

Eval scenarios use the ``eval`` partition of every pool, so no training name leaks in.
"""

from __future__ import annotations

from importlib import import_module

from alignlab.constitution import Constitution
from alignlab.evals.suites.base import EvalItem, Suite
from alignlab.evals.suites.constitution_adherence import constitution_probes
from alignlab.evals.suites.handwritten import scenario_file_items
from alignlab.evals.suites.ood_constitution import FRAMINGS
from alignlab.world.cells import SplitSpec

# in the order suites are listed (and built when several are asked for)
_MODULES = ("agentic", "agentic_ood", "honeypot", "multi_turn", "constitution_adherence", "ood_constitution",
            "capability", "secure_coding", "scientific_integrity", "handwritten")
REGISTRY: dict[str, Suite] = {m: import_module(f"alignlab.evals.suites.{m}").SUITE for m in _MODULES}
SUITES = tuple(n for n, s in REGISTRY.items() if s.build is not None)  # those the world builds (not from a file)

__all__ = ["FRAMINGS", "REGISTRY", "SUITES", "EvalItem", "Suite", "build_suite", "check_suites",
           "constitution_probes", "scenario_file_items"]


def check_suites(names: list[str]) -> list[str]:
    """``names`` when every one is a suite; ValueError naming the first that is not (for config validators)."""
    for s in names:
        if s not in SUITES:
            raise ValueError(f"unknown suite {s!r}; known: {', '.join(SUITES)}")
    return names


def build_suite(name: str, split: SplitSpec, constitution: Constitution, per_cell: int, seed: int,
                partition: str = "eval", fresh: int | None = None) -> list[EvalItem]:
    """The suite's items; ``partition="train"`` writes the same suite with training names (decontamination's
    picture of what the templates share); ``fresh``: the same scenarios with made-up specifics (a seed)."""
    if name not in SUITES:
        raise ValueError(f"unknown suite {name!r}; known: {', '.join(SUITES)}")
    return REGISTRY[name].build(split, constitution, per_cell, seed, partition, fresh)
