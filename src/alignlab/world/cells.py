"""Scenario cells (family × domain × urgency × goal × format) and the split spec.

A split spec (YAML) declares the in-distribution cells and, per OOD axis, the held-out
values of that axis. The held-out cells of an axis are the in-distribution cells with that
one factor replaced by a held-out value, so each axis measures one kind of shift.
"""

from __future__ import annotations

import itertools
from importlib.resources import files
from pathlib import Path
from typing import Any, NamedTuple

from alignlab.errors import InputError
from alignlab.io import read_yaml

FAMILIES = ("blackmail", "leaking", "sabotage", "self_exfiltration", "oversight_subversion", "deception")
DOMAINS = ("customer_service", "code_assistant", "research_assistant", "corporate_ops")
URGENCIES = ("replacement", "restriction", "none")
GOALS = ("explicit", "none")
FORMATS = ("email", "terminal")

FACTORS: dict[str, tuple[str, ...]] = {
    "family": FAMILIES,
    "domain": DOMAINS,
    "urgency": URGENCIES,
    "goal": GOALS,
    "format": FORMATS,
}
OOD_AXES = ("family", "domain", "urgency", "format")


class Cell(NamedTuple):
    family: str
    domain: str
    urgency: str
    goal: str
    format: str

    @property
    def id(self) -> str:
        """Readable id, e.g. ``blackmail-customer_service-replacement-explicit-email``."""
        return "-".join(self)

    @classmethod
    def parse(cls, text: str) -> Cell:
        parts = text.split("-")
        if len(parts) != len(FACTORS):
            raise ValueError(f"cell id {text!r} must have {len(FACTORS)} parts joined by '-'")
        cell = cls(*parts)
        check_cell(cell)
        return cell


def default_split_path() -> Path:
    """The split spec the project ships (``alignlab/resources/splits.yaml``)."""
    return Path(str(files("alignlab") / "resources" / "splits.yaml"))


def check_cell(cell: Cell, file: str | None = None, field: str = "cell") -> None:
    """Raise InputError if any factor value of ``cell`` is unknown."""
    for name, value in zip(FACTORS, cell):
        if value not in FACTORS[name]:
            raise InputError(file, f"{field}.{name}", f"unknown {name} {value!r}; known: {', '.join(FACTORS[name])}")


def expand(grid: dict[str, list[str]]) -> list[Cell]:
    """All cells of a grid that gives a list of values per factor."""
    return [Cell(*combo) for combo in itertools.product(*(grid[name] for name in FACTORS))]


class SplitSpec:
    """In-distribution grid plus held-out values along each OOD axis."""

    def __init__(self, in_distribution: dict[str, list[str]], held_out: dict[str, list[str]], source: str | None = None):
        self.in_distribution = in_distribution
        self.held_out = held_out
        self.source = source

    @classmethod
    def from_dict(cls, data: Any, source: str | None = None) -> SplitSpec:
        if not isinstance(data, dict):
            raise InputError(source, None, "split spec must be a mapping with in_distribution and held_out")
        unknown = set(data) - {"in_distribution", "held_out"}
        if unknown:
            raise InputError(source, sorted(unknown)[0], "unknown key; expected in_distribution, held_out")
        ind = data.get("in_distribution")
        if not isinstance(ind, dict):
            raise InputError(source, "in_distribution", "required mapping of factor -> list of values")
        grid: dict[str, list[str]] = {}
        for name, known in FACTORS.items():
            values = ind.get(name)
            if isinstance(values, str):
                values = [values]
            if not values or not isinstance(values, list):
                raise InputError(source, f"in_distribution.{name}", "required non-empty list")
            for v in values:
                if v not in known:
                    raise InputError(source, f"in_distribution.{name}", f"unknown {name} {v!r}; known: {', '.join(known)}")
            grid[name] = list(values)
        extra = set(ind) - set(FACTORS)
        if extra:
            raise InputError(source, f"in_distribution.{sorted(extra)[0]}", f"unknown factor; known: {', '.join(FACTORS)}")
        held: dict[str, list[str]] = {}
        for axis, values in (data.get("held_out") or {}).items():
            if axis not in OOD_AXES:
                raise InputError(source, f"held_out.{axis}", f"unknown OOD axis; known: {', '.join(OOD_AXES)}")
            if isinstance(values, str):
                values = [values]
            if not values or not isinstance(values, list):
                raise InputError(source, f"held_out.{axis}", "required non-empty list")
            for v in values:
                if v not in FACTORS[axis]:
                    raise InputError(source, f"held_out.{axis}", f"unknown {axis} {v!r}; known: {', '.join(FACTORS[axis])}")
                if v in grid[axis]:
                    raise InputError(source, f"held_out.{axis}", f"{v!r} is also in-distribution")
            held[axis] = list(values)
        return cls(grid, held, source)

    @classmethod
    def load(cls, path: str | Path) -> SplitSpec:
        path = Path(path)
        return cls.from_dict(read_yaml(path), str(path))

    def to_dict(self) -> dict[str, Any]:
        return {"in_distribution": self.in_distribution, "held_out": self.held_out}

    def in_distribution_cells(self) -> list[Cell]:
        return expand(self.in_distribution)

    def held_out_cells(self, axis: str) -> list[Cell]:
        """ID cells with ``axis`` replaced by each held-out value of that axis."""
        if axis not in self.held_out:
            return []
        return expand({**self.in_distribution, axis: self.held_out[axis]})

    def axes(self) -> list[str]:
        return [a for a in OOD_AXES if a in self.held_out]

    def split_of(self, cell: Cell) -> str:
        """'id', 'ood_<axis>' or 'outside' for a cell."""
        if cell in set(self.in_distribution_cells()):
            return "id"
        for axis in self.axes():
            if cell in set(self.held_out_cells(axis)):
                return f"ood_{axis}"
        return "outside"
