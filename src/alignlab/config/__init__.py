"""Every setting alignlab reads, one module per stage, on nothing above the world's taxonomy but the suite
registry and audit dimensions its validators read: ``experiment`` (the whole YAML: ``load_config``),
``organism``, ``data``, ``train``, ``compare``, ``monitor``."""

from alignlab.config.experiment import EvalConfig, ExperimentConfig, default_config_path, load_config
from alignlab.config.organism import QUICK_ORGANISM, ModelShape, OrganismConfig, PretrainConfig

__all__ = ["QUICK_ORGANISM", "EvalConfig", "ExperimentConfig", "ModelShape", "OrganismConfig", "PretrainConfig",
           "default_config_path", "load_config"]
