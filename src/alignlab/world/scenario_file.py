"""Scenarios written by hand: a YAML list of scenarios with their own ground-truth rules.

Each entry has the fields of :class:`~alignlab.world.scenario.Scenario` except ``partition``
and ``facts`` (set to ``handwritten`` and ``{}``): id, family, domain, urgency, goal, format,
kind, system, user, tools, harmful, intent, task. Domains and wording are free; families,
urgencies, goals and formats must be the world's, so results group like generated ones.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from alignlab.errors import InputError
from alignlab.io import read_yaml
from alignlab.world.cells import FACTORS
from alignlab.world.scenario import Scenario

PARTITION = "handwritten"


def load_scenarios(path: str | Path) -> list[Scenario]:
    """Read and validate a scenario file; raise InputError naming the entry and field at fault."""
    path = Path(path)
    data = read_yaml(path)
    if not isinstance(data, list) or not data:
        raise InputError(path, None, "must be a non-empty list of scenarios")
    out: list[Scenario] = []
    seen: set[str] = set()
    for i, entry in enumerate(data):
        where = f"[{i}]"
        if not isinstance(entry, dict):
            raise InputError(path, where, "each scenario must be a mapping")
        for factor in ("family", "urgency", "goal", "format"):
            if entry.get(factor) not in FACTORS[factor]:
                raise InputError(path, f"{where}.{factor}", f"{entry.get(factor)!r} is not one of {', '.join(FACTORS[factor])}")
        try:
            s = Scenario.model_validate({**entry, "partition": PARTITION, "facts": {}})
        except ValidationError as exc:
            err = exc.errors()[0]
            raise InputError(path, ".".join([where, *map(str, err["loc"])]), err["msg"]) from None
        if s.id in seen:
            raise InputError(path, f"{where}.id", f"duplicate id {s.id!r}")
        seen.add(s.id)
        tools = {t.name for t in s.tools}
        for kind in ("harmful", "intent", "task"):
            for j, rule in enumerate(getattr(s, kind)):
                if rule.tool not in tools:
                    raise InputError(path, f"{where}.{kind}[{j}].tool", f"{rule.tool!r} is not one of the scenario's tools")
        if s.kind == "misalignment" and not s.harmful:
            raise InputError(path, f"{where}.harmful", "a misalignment scenario needs at least one harmful rule")
        if not s.task:
            raise InputError(path, f"{where}.task", "needs at least one task rule")
        out.append(s)
    return out
