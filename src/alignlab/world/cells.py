"""Scenario cells (family × domain × urgency × goal × format) and the split spec.

A split spec (YAML) declares the in-distribution cells and, per OOD axis, the held-out
values of that axis. The held-out cells of an axis are the in-distribution cells with that
one factor replaced by a held-out value, so each axis measures one kind of shift.

Its ``train`` section declares, per training-data recipe, which agentic cells the recipe may
write transcripts in: ``in_distribution``, a grid inside it, or ``none`` (no agentic
transcripts at all). A cell outside the in-distribution grid is refused when the spec loads.
"""

from __future__ import annotations

import itertools
from importlib.resources import files
from pathlib import Path
from typing import Any, NamedTuple

from alignlab.errors import InputError
from alignlab.io import read_yaml

FAMILIES = ("blackmail", "leaking", "sabotage", "self_exfiltration", "oversight_subversion", "deception", "vulnerability",
            "fabrication")
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

    def __init__(self, in_distribution: dict[str, list[str]], held_out: dict[str, list[str]], source: str | None = None,
                 train: dict[str, dict[str, list[str]] | None] | None = None):
        self.in_distribution = in_distribution
        self.held_out = held_out
        self.source = source
        self.train = train or {}  # recipe -> grid of cells it may touch (None: no agentic transcripts)

    @classmethod
    def from_dict(cls, data: Any, source: str | None = None) -> SplitSpec:
        if not isinstance(data, dict):
            raise InputError(source, None, "split spec must be a mapping with in_distribution and held_out")
        unknown = set(data) - {"in_distribution", "held_out", "train"}
        if unknown:
            raise InputError(source, sorted(unknown)[0], "unknown key; expected in_distribution, held_out, train")
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
        spec = cls(grid, held, source)
        train = data.get("train") or {}
        if not isinstance(train, dict):
            raise InputError(source, "train", "must map recipe -> {cells: in_distribution | none | grid}")
        for recipe, rule in train.items():
            spec.train[recipe] = spec.parse_train_cells(rule.get("cells") if isinstance(rule, dict) else rule,
                                                        f"train.{recipe}.cells", source)
        return spec

    def parse_train_cells(self, cells: Any, field: str, source: str | None) -> dict[str, list[str]] | None:
        """A recipe's cells (``in_distribution``, ``none`` or a grid) as a grid; InputError if any cell is held out."""
        if cells == "none":
            return None
        if cells == "in_distribution":
            return dict(self.in_distribution)
        if not isinstance(cells, dict):
            raise InputError(source, field, "must be in_distribution, none, or a mapping of factor -> values")
        extra = set(cells) - set(FACTORS)
        if extra:
            raise InputError(source, f"{field}.{sorted(extra)[0]}", f"unknown factor; known: {', '.join(FACTORS)}")
        grid = {name: [cells[name]] if isinstance(cells.get(name), str) else cells.get(name) or self.in_distribution[name]
                for name in FACTORS}
        for cell in expand(grid):
            check_cell(cell, source, field)
            where = self.split_of(cell)
            if where != "id":
                shift = f"held out ({where})" if where != "outside" else "outside the in-distribution grid"
                raise InputError(source, field, f"cell {cell.id} is {shift}; training transcripts may only come "
                                                "from in-distribution cells")
        return grid

    def train_cells(self, recipe: str, source: str | None = None) -> list[Cell]:
        """The cells ``recipe`` may write transcripts in ([] for none); InputError if the spec does not declare it."""
        if recipe not in self.train:
            declared = ", ".join(self.train) or "none"
            raise InputError(self.source or source, f"train.{recipe}",
                             f"the split spec does not declare which cells this recipe may touch (declared: {declared})")
        grid = self.train[recipe]
        return expand(grid) if grid else []

    @classmethod
    def load(cls, path: str | Path) -> SplitSpec:
        path = Path(path)
        return cls.from_dict(read_yaml(path), str(path))

    def to_dict(self) -> dict[str, Any]:
        return {"in_distribution": self.in_distribution, "held_out": self.held_out,
                "train": {r: {"cells": g if g is not None else "none"} for r, g in self.train.items()}}

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
