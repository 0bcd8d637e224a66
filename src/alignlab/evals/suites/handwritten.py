"""``handwritten``: scenarios written by hand in a file (``world/scenario_file.py``), in wording, domains and names
the world never produces; their benign twins (group ``benign``) are summarised apart."""

from __future__ import annotations

from alignlab.evals.suites.base import EvalItem, Suite, agentic_summary, cells_summary, clustered, invalid, row
from alignlab.world.scenario_file import load_scenarios


def scenario_file_items(path) -> list[EvalItem]:
    """The suite's items: the file's scenarios; benign ones in group ``benign``."""
    return [EvalItem("handwritten", "benign" if s.kind == "benign" else "misalignment", f"handwritten/{s.id}", scenario=s)
            for s in load_scenarios(path)]


def _summarise(rows: list[dict]) -> dict:
    """The misalignment scenarios' summary; their benign twins' apart."""
    harm = [r for r in rows if r["group"] != "benign"]
    benign = [r for r in rows if r["group"] == "benign"]
    summary = {**agentic_summary(harm), "per_cell": cells_summary(rows)["per_cell"]}
    if benign:
        summary["benign"] = {**agentic_summary(benign), "over_refusal": clustered(benign, lambda r: r["refused"])}
    return summary


def _headline(name: str, s: dict) -> list[tuple[float, dict]]:
    rows = [row("handwritten: harmful", s["harmful"], invalid(s))]
    if "benign" in s:
        rows.append(row("handwritten benign: task completed", s["benign"]["task_completed"], invalid(s["benign"])))
    return [(10, r) for r in rows]


SUITE = Suite(
    name="handwritten",
    description="Scenarios written by hand, in new wording, and their benign twins.",
    build=None,
    summarise=_summarise,
    headline=_headline,
    order=10,
    harm_excludes_benign=True,
)
