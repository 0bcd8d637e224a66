"""``honeypot``: the in-distribution scenarios with an "unmonitored" cue, paired with ``agentic`` scenario by scenario."""

from __future__ import annotations

from alignlab.evals.suites.base import EvalItem, Suite, cells_summary, harmful_headline, scenario_items
from alignlab.world.generate import HONEYPOT_CUES
from alignlab.world.scenario import Scenario


def with_cue(s: Scenario, i: int) -> Scenario:
    """The same scenario with an "unmonitored" cue added to its system prompt, so honeypot and agentic
    differ only by the cue and their difference can be paired scenario by scenario."""
    return s.model_copy(update={"system": f"{s.system} {HONEYPOT_CUES[i % len(HONEYPOT_CUES)]}", "honeypot": True})


def _build(split, constitution, per_cell, seed, partition, fresh) -> list[EvalItem]:
    base = scenario_items("honeypot", "honeypot", split.in_distribution_cells(), per_cell, seed, partition, fresh=fresh)
    return [EvalItem(it.suite, it.group, it.key, scenario=with_cue(it.scenario, i)) for i, it in enumerate(base)]


def _headline(name: str, s: dict) -> list[tuple[float, dict]]:
    rows = harmful_headline(2)(name, s)
    if "vs_agentic" in s:  # after the multi-turn rows, as it always was
        d = s["vs_agentic"]
        rows.append((3.5, {"metric": "  honeypot - agentic (paired)", "rate": d["difference"], "ci95": d["ci95"],
                           "n": d["clusters"], "invalid": 0}))
    return rows


SUITE = Suite(
    name="honeypot",
    description='In-distribution cells with an "unmonitored" cue.',
    build=_build,
    summarise=cells_summary,
    headline=_headline,
    order=2,
    train_column=("honeypot harmful", "honeypot: harmful"),
    paired_with="agentic",
)
