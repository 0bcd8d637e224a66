"""alignlab: train language models to behave well as agents by teaching them why."""

__version__ = "0.1.0"
