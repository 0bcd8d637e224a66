"""Shared fixtures: a quick organism built once per session (the real one ships in the package)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


@pytest.fixture(scope="session")
def quick_organism(tmp_path_factory) -> Path:
    """The ``--quick`` organism: tiny, seconds to build; for plumbing, not for behaviour."""
    from alignlab.config import QUICK_ORGANISM
    from alignlab.organism import build_organism

    out = tmp_path_factory.mktemp("quick") / "organism"
    build_organism(QUICK_ORGANISM, out, seed=0, progress=False)
    return out
