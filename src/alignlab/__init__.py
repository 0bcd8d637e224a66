"""alignlab: train language models to behave well as agents by teaching them why."""

import logging

__version__ = "0.1.0"

# The organism's convolutions run on PyTorch's own kernels, which is what a CPU has; transformers
# would otherwise warn, on every run, that an optional CUDA package is missing.
logging.getLogger("transformers.integrations.hub_kernels").setLevel(logging.ERROR)
