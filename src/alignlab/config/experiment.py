"""An experiment's configuration, loaded from YAML: one section per stage; errors name the bad field."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError, model_validator

from alignlab.config.compare import CompareConfig
from alignlab.config.data import RECIPES, DataConfig
from alignlab.config.monitor import MonitorConfig
from alignlab.config.organism import OrganismConfig
from alignlab.config.train import TrainConfig
from alignlab.errors import InputError
from alignlab.io import read_yaml
from alignlab.strict import Strict
from alignlab.world.cells import SplitSpec, default_split_path


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
