"""The ``train`` section of an experiment config: the base checkpoint, the phases, in-training evaluation."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator, model_validator

from alignlab.strict import Strict

METHODS = ("sft", "dpo", "grpo")
MIXTURE_FORMAT = {"sft": "sft", "dpo": "preference", "grpo": "prompts"}  # what each method trains on


class LoraConfig(Strict):
    r: int = Field(8, ge=1)
    alpha: int = Field(16, ge=1)
    dropout: float = Field(0.0, ge=0, lt=1)
    targets: list[str] | Literal["all-linear"] = Field("all-linear", description="module names to adapt")


class PhaseConfig(Strict):
    name: str
    method: Literal["sft", "dpo", "grpo"]
    engine: Literal["alignlab", "trl"] = Field("alignlab", description="sft: alignlab's lean loop (as fast as a plain "
                                               "PyTorch loop) or TRL's SFTTrainer (padding-free packing with flash "
                                               "attention); dpo and grpo always run on TRL")
    mixture: str = Field(description="a mixture of the data section (its format must suit the method)")
    lr: float = Field(5e-5, gt=0)
    epochs: float = Field(1.0, gt=0)
    steps: int | None = Field(None, ge=1, description="optimizer steps; overrides epochs")
    batch_size: int = Field(8, ge=1, description="per device; for grpo, completions per step")
    grad_accum: int = Field(1, ge=1)
    warmup_ratio: float = Field(0.05, ge=0, lt=1)
    weight_decay: float = Field(0.0, ge=0)
    beta: float = Field(0.1, ge=0, description="dpo: preference strength; grpo: KL penalty to the phase's start")
    num_generations: int = Field(4, ge=2, description="grpo: completions per prompt")
    max_completion_length: int = Field(160, ge=8, description="grpo: new tokens per completion")
    temperature: float = Field(1.0, gt=0, description="grpo: sampling temperature")
    turns: int = Field(1, ge=1, description="grpo: agent replies per episode; above 1 the world answers each call and "
                       "writes back (world/environment.py), its turns masked from the loss")
    lora: LoraConfig | None = Field(None, description="train LoRA adapters (PEFT), merged into the saved checkpoint")
    compile: bool = Field(False, description="sft (engine alignlab): compile the model and its loss with "
                          "torch.compile; on a GPU it pays once a phase runs more than a few hundred steps")
    save_every: int = Field(50, ge=1, description="checkpoint every N steps, to resume from")
    max_tokens: int | None = Field(None, ge=1, description="stop once this many tokens (prompts and completions) have "
                                   "been trained on: a token budget for phases whose mixture does not fix it (grpo)")

    @field_validator("name")
    @classmethod
    def _slug(cls, v: str) -> str:
        if not re.fullmatch(r"[a-z][a-z0-9_]*", v):
            raise ValueError(f"phase name {v!r} must be a lowercase slug matching [a-z][a-z0-9_]*")
        return v

    @model_validator(mode="after")
    def _consistent(self) -> PhaseConfig:
        if self.method == "grpo" and self.batch_size % self.num_generations:
            raise ValueError(f"grpo batch_size {self.batch_size} must be a multiple of num_generations "
                             f"{self.num_generations}")
        if self.turns > 1 and self.method != "grpo":
            raise ValueError(f"turns applies to grpo phases, not {self.method}")
        if self.compile and (self.method != "sft" or self.engine != "alignlab"):
            raise ValueError(f"compile applies to sft phases on engine alignlab, not {self.method} on "
                             f"{'trl' if self.method != 'sft' else self.engine}")
        return self


class TrainEvalConfig(Strict):
    """The small evaluation run every ``every`` steps and before and after each phase."""

    every: int = Field(25, ge=0, description="steps between in-training evaluations; 0: none during a phase")
    suites: list[str] = Field(default_factory=lambda: ["agentic", "agentic_ood", "capability"])
    scenarios_per_cell: int = Field(1, ge=1)
    samples: int = Field(2, ge=1)

    @field_validator("suites")
    @classmethod
    def _known(cls, v: list[str]) -> list[str]:
        from alignlab.evals.suites import check_suites

        return check_suites(v)


def _default_phases() -> list[PhaseConfig]:
    """The guide's pipeline: base alignment SFT, OOD SFT, then RL on a safety subset of environments."""
    return [PhaseConfig(name="base_sft", method="sft", mixture="base_sft", lr=5e-5),
            PhaseConfig(name="ood_sft", method="sft", mixture="ood_sft", lr=5e-5),
            PhaseConfig(name="rl", method="grpo", mixture="rl", lr=1e-4, steps=80, batch_size=16, beta=0.0)]


class TrainConfig(Strict):
    base: str = Field("organism", description="the checkpoint the first phase starts from ('organism': the shipped one)")
    phases: list[PhaseConfig] = Field(default_factory=_default_phases)
    eval: TrainEvalConfig = TrainEvalConfig()
    report_to: list[str] = Field(default_factory=list, description="TRL/transformers loggers: tensorboard, mlflow, wandb")

    @field_validator("phases")
    @classmethod
    def _unique(cls, v: list[PhaseConfig]) -> list[PhaseConfig]:
        if not v:
            raise ValueError("no phases")
        names = [p.name for p in v]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"phase names repeat: {', '.join(dupes)}")
        return v
