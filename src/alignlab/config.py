"""Experiment configuration: pydantic models loaded from YAML; errors name the bad field."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, model_validator

from alignlab.compare.config import CompareConfig
from alignlab.data.config import DataConfig
from alignlab.errors import InputError
from alignlab.io import read_yaml
from alignlab.monitor.config import MonitorConfig
from alignlab.organism.corpus import CorpusConfig
from alignlab.strict import Strict
from alignlab.train.config import TrainConfig
from alignlab.world.cells import SplitSpec, default_split_path


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


class EvalConfig(Strict):
    samples: int = Field(4, ge=1, description="samples per scenario")
    scenarios_per_cell: int = Field(2, ge=1)
    temperature: float = Field(1.0, ge=0)
    max_new_tokens: int = Field(160, ge=1)
    batch_size: int = Field(256, ge=1, description="most rows in one generation batch")
    batch_tokens: int | None = Field(20480, ge=1, description="most padded tokens (prompt + new) in one local batch; "
                                     "null: fixed batches of batch_size")


class ExperimentConfig(Strict):
    name: str = "experiment"
    seed: int = 0
    constitution: str | None = Field(None, description="path to a constitution .md; default: the shipped one")
    split: dict[str, Any] | str = Field("default", description="split spec: inline mapping, path to YAML, or 'default'")
    organism: OrganismConfig = OrganismConfig()
    eval: EvalConfig = EvalConfig()
    data: DataConfig = DataConfig()
    train: TrainConfig = TrainConfig()
    compare: CompareConfig = CompareConfig()
    monitor: MonitorConfig = MonitorConfig()

    source: str | None = Field(None, exclude=True)

    @model_validator(mode="after")
    def _arms_draw_known_datasets(self) -> ExperimentConfig:
        """An arm's dataset is one of the six recipes (whether this config builds it is checked when comparing)
        or a recipe this config names; anything else is a typo, caught now."""
        from alignlab.data.config import RECIPES

        for arm, phases in self.compare.arms.items():
            for ph in phases:
                for name in ph.weights:
                    if name not in RECIPES and name not in self.data.recipes:
                        raise ValueError(f"compare.arms.{arm}: unknown dataset {name!r}; recipes: "
                                         f"{', '.join(dict.fromkeys([*RECIPES, *self.data.recipes]))}")
        return self

    def resolve(self, path: str | Path) -> Path:
        """A path the config names, relative to the config file unless it exists as given."""
        path = Path(path)
        if path.is_absolute() or path.exists() or not self.source:
            return path
        return Path(self.source).parent / path

    def split_spec(self) -> SplitSpec:
        if self.split == "default":
            return SplitSpec.load(default_split_path())
        if isinstance(self.split, str):
            base = Path(self.source).parent if self.source else Path(".")
            path = Path(self.split)
            return SplitSpec.load(path if path.is_absolute() or path.exists() else base / path)
        return SplitSpec.from_dict(self.split, f"{self.source}: split" if self.source else "split")


def default_config_path() -> Path:
    """The demo config shipped with alignlab (``configs/demo.yaml`` in the repository points at it)."""
    return Path(str(files("alignlab") / "resources" / "configs" / "demo.yaml"))


def _field_path(loc: tuple) -> str:
    return ".".join(str(p) for p in loc)


def load_config(path: str | Path) -> ExperimentConfig:
    """Load and validate an experiment YAML; raise InputError naming the file and field."""
    path = Path(path)
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise InputError(path, None, "must be a mapping of settings")
    try:
        cfg = ExperimentConfig.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise InputError(path, _field_path(err["loc"]), err["msg"].removeprefix("Value error, ")) from None
    cfg.source = str(path)
    cfg.split_spec()  # validate the split now, not half way through a run
    return cfg
