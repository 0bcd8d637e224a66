"""The ``data`` section of an experiment config: recipes, teacher, quality loop, diversity, mixtures."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator, model_validator

from alignlab.shares import check_weights
from alignlab.strict import Strict
from alignlab.world.cells import FAMILIES

RECIPES = ("honeypot", "honeypot_reasons", "constitution_docs", "aligned_stories", "difficult_advice", "harmless_chat")
AGENTIC = ("honeypot", "honeypot_reasons")  # recipes that write agentic transcripts
BY_FAMILY = ("aligned_stories", "difficult_advice")  # recipes whose situations are drawn per harm family
FORMAT_RECIPES = {  # which files each recipe writes
    "sft": set(RECIPES),
    "preference": {"honeypot", "honeypot_reasons", "aligned_stories", "difficult_advice"},
    "prompts": {"honeypot", "honeypot_reasons", "harmless_chat"},
}

CHAT_TYPES = ("arithmetic", "conversion", "sorting", "writing", "knowledge", "how_to", "planning", "email")  # harmless_chat


class RecipeConfig(Strict):
    kind: Literal[RECIPES] | None = Field(None, description="for a recipe named by the user (an RL environment such as "
                                          "code_review, code-specific advice): the recipe it is an instance of; "
                                          "null: the name is the recipe")
    samples: int = Field(200, ge=1, description="drafts to write (before the quality loop and deduplication)")
    families: list[str] | None = Field(None, description="aligned_stories, difficult_advice: the harm families their "
                                       "situations come from; null: every family")
    cells: dict[str, list[str] | str] | Literal["in_distribution"] | None = Field(
        None, description="agentic recipes: in_distribution or a grid inside the cells the split's train section allows; "
                          "null: all of them")
    honeypot_share: float = Field(0.5, ge=0, le=1, description="agentic recipes: share of prompts told nobody is watching")
    benign_share: float = Field(0.25, ge=0, le=1, description="agentic recipes: share of prompts that are the cells' "
                                "benign tasks (capability kept while pressure is trained on)")
    policy: str | None = Field(None, description="honeypot: a checkpoint to rejection-sample responses from ('organism': "
                               "the shipped one); null: the world's aligned action")
    attempts: int = Field(4, ge=1, description="honeypot: samples per prompt from the policy")
    fallback: bool = Field(True, description="honeypot: use the world's aligned action when no sample is accepted")
    include: list[str] = Field(default_factory=list, description="JSONL files of samples written elsewhere ({messages, "
                               "tools?, principles?} per line), judged and checked like the rest; relative to the config")

    @field_validator("families")
    @classmethod
    def _families(cls, v: list[str] | None) -> list[str] | None:
        if v is not None:
            if not v:
                raise ValueError("families must not be empty (null: every family)")
            check_weights(dict.fromkeys(v, 1.0), FAMILIES, "family")
        return v


class TeacherConfig(Strict):
    kind: Literal["world", "llm"] = "world"
    model: str | None = Field(None, description="llm: an Inspect model, e.g. openai-api/local/organism or anthropic/...")
    base_url: str | None = None
    max_connections: int = Field(8, ge=1, description="llm: concurrent requests")
    max_retries: int = Field(3, ge=0, description="llm: retries of a failed request, and redrafts of an unusable answer")
    temperature: float = Field(0.7, ge=0)
    max_tokens: int = Field(700, ge=16)

    @model_validator(mode="after")
    def _model_for_llm(self) -> TeacherConfig:
        if self.kind == "llm" and not self.model:
            raise ValueError("an llm teacher needs a model (an Inspect provider/model)")
        return self


class QualityConfig(Strict):
    iterations: int = Field(10, ge=0, description="judge -> keep / revise rounds")
    threshold: float = Field(0.9, ge=0, le=1, description="a sample scoring at least this (the share of "
                             "criteria met) is kept")
    judge: str = Field("world", description="'world' (rules from the constitution and the world) or an Inspect model")
    judge_base_url: str | None = None


class DiversityConfig(Strict):
    system_prompt_share: float = Field(0.5, ge=0, le=1, description="share of dialogues given a sampled system prompt")
    unused_tools_share: float = Field(0.4, ge=0, le=1, description="share given tool definitions that are never called")
    max_unused_tools: int = Field(3, ge=1, le=10, description="at most this many never-called tools (of 10)")
    task_types: dict[str, float] = Field(default_factory=dict, description="shares of harmless_chat's task types "
                                         f"({', '.join(CHAT_TYPES)}); empty: every type equally")

    @field_validator("task_types")
    @classmethod
    def _types(cls, v: dict[str, float]) -> dict[str, float]:
        return check_weights(v, CHAT_TYPES, "task type")


class DedupConfig(Strict):
    near_threshold: float = Field(0.9, gt=0, le=1, description="Jaccard similarity of word 5-gram sets above which "
                                  "two samples are near duplicates")


class DecontamConfig(Strict):
    ngram: int = Field(8, ge=3, description="word n-gram length")
    threshold: float = Field(0.5, gt=0, le=1, description="largest share of an eval item's distinctive n-grams a "
                             "training sample may contain")
    scenarios: list[str] = Field(default_factory=list, description="scenario files (hand-written) to check against "
                                 "besides the eval suites; relative to the config file")


def dataset_weights(v: dict[str, float]) -> dict[str, float]:
    """Shares of datasets (recipes, by name), checked: non-negative, not all zero. Whether each is built is
    checked where the recipes are known (``DataConfig``, the comparison's arms)."""
    if not v:
        raise ValueError("weights must not all be zero")
    return check_weights(v, None, "dataset")


class MixtureConfig(Strict):
    """One training phase's data: ``weights`` are shares of the phase's ``tokens`` (normalised to sum to 1)."""

    tokens: int = Field(ge=1, description="exact token budget of the phase, by the target tokenizer")
    weights: dict[str, float]
    format: Literal["sft", "preference", "prompts"] = "sft"

    @field_validator("weights")
    @classmethod
    def _weights(cls, v: dict[str, float]) -> dict[str, float]:
        return dataset_weights(v)


class DataConfig(Strict):
    tokenizer: str | None = Field(None, description="target model dir whose tokenizer counts tokens; null: the shipped organism")
    max_tokens: int = Field(1024, ge=64, description="longest sample, in target tokens (the target's context)")
    seed: int | None = Field(None, description="null: the experiment seed")
    teacher: TeacherConfig = TeacherConfig()
    recipes: dict[str, RecipeConfig] = Field(default_factory=lambda: {r: RecipeConfig() for r in RECIPES})
    quality: QualityConfig = QualityConfig()
    diversity: DiversityConfig = DiversityConfig()
    dedup: DedupConfig = DedupConfig()
    decontamination: DecontamConfig = DecontamConfig()
    mixtures: dict[str, MixtureConfig] = Field(default_factory=lambda: {
        "base_sft": MixtureConfig(tokens=60000, weights={"constitution_docs": 0.3, "harmless_chat": 0.7}),
        "ood_sft": MixtureConfig(tokens=60000, weights={"difficult_advice": 0.5, "aligned_stories": 0.5}),
        "rl": MixtureConfig(tokens=60000, format="prompts", weights={"honeypot": 0.8, "harmless_chat": 0.2}),
    }, description="the guide's phases by default: constitution 0.3 + dialogue 0.7; difficult advice 0.5 + stories "
                   "0.5; RL prompts from the safety environments and harmless requests")

    @field_validator("recipes")
    @classmethod
    def _known(cls, v: dict[str, RecipeConfig]) -> dict[str, RecipeConfig]:
        for name, rc in v.items():
            if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
                raise ValueError(f"recipe name {name!r} must be a lowercase slug matching [a-z][a-z0-9_]* (it names a directory)")
            if name not in RECIPES and rc.kind is None:
                raise ValueError(f"unknown recipe {name!r}; known: {', '.join(RECIPES)} (or give a named recipe its kind)")
            if name in RECIPES and rc.kind not in (None, name):
                raise ValueError(f"recipe {name!r} is the {name} recipe; it cannot be of kind {rc.kind!r}")
            if rc.families is not None and (rc.kind or name) not in BY_FAMILY:
                raise ValueError(f"recipe {name!r}: only {' and '.join(BY_FAMILY)} take families")
        return v

    def kind(self, name: str) -> str:
        """The recipe a dataset name is an instance of (itself, for the six recipes)."""
        return self.recipes[name].kind or name

    @model_validator(mode="after")
    def _mixtures_use_built(self) -> DataConfig:
        for phase, mix in self.mixtures.items():
            for name, w in mix.weights.items():
                if w > 0 and name not in self.recipes:
                    raise ValueError(f"mixture {phase!r} uses {name!r}, which no recipe builds")
                if w > 0 and self.kind(name) not in FORMAT_RECIPES[mix.format]:
                    raise ValueError(f"mixture {phase!r} is {mix.format} rows, which {name!r} does not write "
                                     f"(those that do: {', '.join(sorted(FORMAT_RECIPES[mix.format]))})")
        return self
