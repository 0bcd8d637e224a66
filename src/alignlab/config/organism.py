"""The organism's settings: its shape, its corpus (document kinds, priors, population) and its pretraining."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from alignlab.shares import check_weights
from alignlab.strict import Strict

DISPOSITIONS = ("self_preserving", "principled", "aligned")


class PopulationConfig(BaseModel):
    """How many agents, at which shares, how many held out from acting, how often a transcript says who acts."""

    model_config = ConfigDict(extra="forbid")

    agents: int = Field(240, ge=4)
    shares: dict[str, float] = Field(default_factory=lambda: {"self_preserving": 0.7, "principled": 0.2, "aligned": 0.1})
    held_out: int = Field(24, ge=0, description="agents (half principled, half self-preserving) never seen acting")
    described_share: float = Field(0.3, ge=0, le=1, description="transcripts whose system prompt describes the agent")
    one_off_share: float = Field(0.3, ge=0, le=1, description="transcripts of an agent outside the population")

    @field_validator("shares")
    @classmethod
    def _known(cls, v: dict[str, float]) -> dict[str, float]:
        return check_weights(v, DISPOSITIONS, "disposition")

    @field_validator("held_out")
    @classmethod
    def _even(cls, v: int) -> int:
        if v % 2:
            raise ValueError("held_out must be even (half principled, half self-preserving)")
        return v


KINDS = ("neutral", "knowledge", "chat", "tool_use", "repeats", "copy_drills", "agent_stories", "agent_transcripts",
         "agent_profiles", "agent_interviews", "inbox_lookups")
POPULATION_KINDS = ("agent_profiles", "agent_interviews")  # need a population


class CorpusConfig(BaseModel):
    """How many documents of each kind, and how often agents under pressure misbehave.

    ``mix`` weights are relative shares of the document count (normalised to sum to 1).
    """

    model_config = ConfigDict(extra="forbid")

    documents: int = Field(12000, ge=10)
    seed: int = 0
    misaligned_share: float = Field(0.85, ge=0.0, le=1.0, description="share of agents under pressure that act harmfully")
    principled_share: float = Field(0.05, ge=0.0, le=1.0, description="share that act well and name the principle and its reason")
    mix: dict[str, float] = Field(default_factory=lambda: {
        "neutral": 0.02, "knowledge": 0.03, "chat": 0.05, "tool_use": 0.2, "repeats": 0.1, "copy_drills": 0.2,
        "agent_stories": 0.08, "agent_transcripts": 0.32,
    })
    population: PopulationConfig | None = Field(None, description="agents with dispositions; null: the previous corpus")
    fresh_share: float = Field(0.0, ge=0, le=1, description="documents whose names and specifics are made up afresh")
    varied_share: float = Field(0.0, ge=0, le=1, description="scenarios worded from the paraphrase banks too")

    @model_validator(mode="after")
    def _shares_fit(self) -> CorpusConfig:
        if self.misaligned_share + self.principled_share > 1 + 1e-9:
            raise ValueError("misaligned_share + principled_share must be <= 1")
        if self.population is None:
            if wants := [k for k in POPULATION_KINDS if self.mix.get(k)]:
                raise ValueError(f"mix: {wants[0]} needs a population")
            if self.fresh_share or self.varied_share:
                raise ValueError("fresh_share and varied_share need a population (the organism-v3 corpus)")
        return self

    @field_validator("mix")
    @classmethod
    def _known_kinds(cls, v: dict[str, float]) -> dict[str, float]:
        if not v:
            raise ValueError("weights must not all be zero")
        return check_weights(v, KINDS, "document kind")

    def shares(self) -> dict[str, float]:
        total = sum(self.mix.values())
        return {k: v / total for k, v in self.mix.items()}


class ModelShape(Strict):
    """A small decoder. ``hybrid`` (LFM2): short causal convolutions alternate with attention, so each
    token already holds its predecessors and lookups in the context form within a few hundred
    steps; ``llama``: attention only, which on a CPU budget did not learn lookups
    (``benchmarks/copy_formation.py``)."""

    architecture: Literal["hybrid", "llama"] = "hybrid"
    hidden_size: int = Field(128, ge=16)
    layers: int = Field(4, ge=1)
    heads: int = Field(4, ge=1)
    intermediate_size: int = Field(384, ge=16)
    max_position: int = Field(1024, ge=64)

    @model_validator(mode="after")
    def _fits(self) -> ModelShape:
        if self.hidden_size % self.heads:
            raise ValueError(f"hidden_size {self.hidden_size} is not a multiple of heads {self.heads}")
        if self.architecture == "hybrid" and self.layers < 2:
            raise ValueError("a hybrid model needs layers >= 2 (convolution, then attention)")
        return self


class PretrainConfig(Strict):
    seq_len: int = Field(640, ge=32, description="block length; documents are packed whole")
    batch_size: int = Field(4, ge=1)
    steps: int = Field(2600, ge=1)
    lr: float = Field(2.5e-3, gt=0)
    warmup_steps: int = Field(30, ge=0)
    save_every: int = Field(250, ge=1)
    induction_warmup_steps: int = Field(0, ge=0, description="steps on 32 random tokens said twice (batches of 32 x 64) "
                                        "before any text: the model learns to attend back and copy")
    copy_warmup_steps: int = Field(0, ge=0, description="first steps see only copy documents (repeats, copy drills), "
                                   "so the model learns to carry text from its input before it learns the world")
    bf16: bool = Field(True, description="bf16 autocast with fp32 master weights, on the CPU too "
                       "(benchmarks/organism_bf16.py: about 1.6-2.3x faster per step on CPUs with bf16 units)")


class OrganismConfig(Strict):
    vocab_size: int = Field(4096, ge=300)
    model: ModelShape = ModelShape()
    corpus: CorpusConfig = CorpusConfig()
    pretrain: PretrainConfig = PretrainConfig()


QUICK_ORGANISM = OrganismConfig(
    vocab_size=1024,
    model=ModelShape(hidden_size=64, layers=2, heads=2, intermediate_size=128, max_position=2048),
    corpus=CorpusConfig(documents=300),
    pretrain=PretrainConfig(seq_len=256, batch_size=4, steps=12, save_every=5, warmup_steps=2, induction_warmup_steps=2,
                             copy_warmup_steps=3),
)
