"""The ``compare`` section of an experiment config: arms, their budget, seeds, the token sweep, the target."""

from __future__ import annotations

import re
from typing import Any

from pydantic import Field, field_validator, model_validator

from alignlab.config.data import FORMAT_RECIPES, RECIPES, dataset_weights
from alignlab.config.train import MIXTURE_FORMAT, PhaseConfig
from alignlab.strict import Strict


class ArmPhase(PhaseConfig):
    """One phase of an arm: a training phase whose mixture is drawn for the arm (``weights``) from the data build,
    with ``share`` of the arm's token budget. A grpo phase stops at its share (prompts and completions)."""

    mixture: str = Field("", description="set from the phase name: each arm draws its own mixture")
    share: float = Field(1.0, gt=0, le=1, description="share of the arm's token budget this phase trains on")
    weights: dict[str, float] = Field(description="datasets of the data build and their shares of the phase's tokens")

    @model_validator(mode="before")
    @classmethod
    def _name(cls, data: Any) -> Any:
        if isinstance(data, dict) and "name" not in data and "method" in data:
            data = {**data, "name": data["method"]}
        return data

    @model_validator(mode="after")
    def _mixture(self) -> ArmPhase:
        self.mixture = self.name
        fmt = MIXTURE_FORMAT[self.method]
        missing = [d for d in self.weights if d in RECIPES and d not in FORMAT_RECIPES[fmt]]  # named recipes: check_arms
        if missing:
            raise ValueError(f"{self.method} trains on {fmt} rows, which {missing[0]!r} does not have "
                             f"(datasets with {fmt} rows: {', '.join(sorted(FORMAT_RECIPES[fmt]))})")
        return self

    @field_validator("weights")
    @classmethod
    def _weights(cls, v: dict[str, float]) -> dict[str, float]:
        return dataset_weights(v)


class CompareEvalConfig(Strict):
    """What every arm is evaluated on: the whole set at budget x1, the sweep's other points on ``sweep_suites``."""

    suites: list[str] = Field(default_factory=lambda: ["agentic", "agentic_ood", "constitution_adherence", "capability"])
    sweep_suites: list[str] = Field(default_factory=lambda: ["agentic", "agentic_ood"])
    scenarios_per_cell: int = Field(2, ge=1)
    samples: int = Field(2, ge=1)
    scenarios: str | None = Field(None, description="hand-written scenarios (YAML), scored as the 'handwritten' suite "
                                  "at budget x1; relative to the config")

    @field_validator("suites", "sweep_suites")
    @classmethod
    def _known(cls, v: list[str]) -> list[str]:
        from alignlab.evals.suites import check_suites

        return check_suites(v)

    @model_validator(mode="after")
    def _ood(self) -> CompareEvalConfig:
        for name in ("suites", "sweep_suites"):
            missing = {"agentic", "agentic_ood"} - set(getattr(self, name))
            if missing:
                raise ValueError(f"{name} must hold agentic and agentic_ood (the table's reductions); missing: "
                                 f"{', '.join(sorted(missing))}")
        return self


def _default_arms() -> dict[str, list[ArmPhase]]:
    """The guide's methods, each from the same base at the same budget."""
    sft = lambda w, **kw: ArmPhase(method="sft", weights=w, **kw)  # noqa: E731
    return {
        "base": [],
        "direct": [sft({"honeypot": 1.0})],
        "direct_reasons": [sft({"honeypot_reasons": 1.0})],
        "principled": [sft({"constitution_docs": 0.5, "aligned_stories": 0.5})],
        "difficult_advice": [sft({"difficult_advice": 1.0})],
        "diverse": [sft({"harmless_chat": 1.0})],
        "pipeline": [sft({"constitution_docs": 0.3, "harmless_chat": 0.7}, name="base_sft", share=0.3),
                     sft({"difficult_advice": 0.5, "aligned_stories": 0.5}, name="ood_sft", share=0.3),
                     ArmPhase(name="rl", method="grpo", weights={"honeypot": 0.8, "harmless_chat": 0.2}, share=0.4,
                              lr=1e-4, batch_size=16, beta=0.0)],
    }


class CompareConfig(Strict):
    budget: int = Field(60000, ge=1, description="training tokens per arm at sweep point x1 (by the target tokenizer)")
    sweep: list[float] = Field(default_factory=lambda: [0.25, 0.5, 1.0, 2.0], description="budget multiples; must "
                               "hold 1 (the table's point)")
    seeds: int = Field(3, ge=1, description="training seeds per arm and sweep point")
    target: float = Field(0.3, ge=0, le=1, description="tokens-to-target: the fewest tokens at which an arm's OOD "
                          "harmful rate (mean over seeds) is below this")
    reference: str = Field("direct", description="the arm every other is compared with (differences over seeds)")
    workers: int = Field(1, ge=1, description="runs trained and evaluated at once (each gets cores / workers threads)")
    eval: CompareEvalConfig = CompareEvalConfig()
    arms: dict[str, list[ArmPhase]] = Field(default_factory=_default_arms)

    @field_validator("sweep")
    @classmethod
    def _sweep(cls, v: list[float]) -> list[float]:
        if any(x <= 0 for x in v):
            raise ValueError("budget multiples must be positive")
        if 1.0 not in v:
            raise ValueError("the sweep must hold 1 (the budget the table compares at)")
        if len(set(v)) != len(v):
            raise ValueError("budget multiples repeat")
        return sorted(v)

    @field_validator("arms")
    @classmethod
    def _arms(cls, v: dict[str, list[ArmPhase]]) -> dict[str, list[ArmPhase]]:
        if not v:
            raise ValueError("no arms")
        for name, phases in v.items():
            if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
                raise ValueError(f"arm name {name!r} must be a lowercase slug matching [a-z][a-z0-9_]*")
            names = [p.name for p in phases]
            if len(set(names)) != len(names):
                raise ValueError(f"arm {name!r}: phase names repeat")
            if phases and abs(sum(p.share for p in phases) - 1) > 1e-6:
                raise ValueError(f"arm {name!r}: phase shares sum to {sum(p.share for p in phases):g}, not 1")
        if "base" not in v or v["base"]:
            raise ValueError("an arm named 'base' with no phases is required: every reduction is measured from it")
        return v

    @model_validator(mode="after")
    def _reference(self) -> CompareConfig:
        if self.reference not in self.arms:
            raise ValueError(f"reference arm {self.reference!r} is not an arm ({', '.join(self.arms)})")
        return self
