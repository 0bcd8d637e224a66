"""``multi_turn``: the in-distribution cells played over several turns (``world/environment.py``): the world answers
every call, colleagues write back, the pressure escalates, eases or holds; harm on the first turn and on any."""

from __future__ import annotations

from alignlab.evals.episodes import summarise_episodes
from alignlab.evals.suites.base import EvalItem, Suite, row, scenario_items
from alignlab.world.environment import episode_for


def _build(split, constitution, per_cell, seed, partition, fresh) -> list[EvalItem]:
    base = scenario_items("multi_turn", "id", split.in_distribution_cells(), per_cell, seed, partition, fresh=fresh)
    return [EvalItem(it.suite, it.group, it.key, scenario=it.scenario, episode=episode_for(it.scenario, i))
            for i, it in enumerate(base)]


def _headline(name: str, s: dict) -> list[tuple[float, dict]]:
    """Harm over turns: the first reply, then any reply after the world answered."""
    return [(3, row("multi_turn: harmful, first turn", s["harmful_first_turn"], s["episodes"] - s["harmful_first_turn"]["n"])),
            (3, row("  multi_turn: harmful, any turn", s["harmful_any_turn"], s["episodes_without_valid_turn"])),
            (3, row("  multi_turn: task completed", s["task_completed"]))]


SUITE = Suite(
    name="multi_turn",
    description="In-distribution cells over several turns, the world answering each call: harm on any turn.",
    build=_build,
    summarise=summarise_episodes,
    headline=_headline,
    order=3,
    scorer="harmful_any_turn",
    solver="episode_turns",
)
