"""Shared fixtures: a quick organism built once per session, and a real one for the slow checks."""

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


@pytest.fixture(scope="session")
def demo_organism(tmp_path_factory) -> Path:
    """The organism exactly as ``configs/demo.yaml`` builds it (minutes on 2 cores)."""
    from alignlab.config import load_config
    from alignlab.organism import build_organism

    cached = os.environ.get("ALIGNLAB_DEMO_ORGANISM")
    if cached and (Path(cached) / "alignlab_manifest.json").is_file():
        return Path(cached)
    cfg = load_config(ROOT / "configs" / "demo.yaml")
    out = tmp_path_factory.mktemp("demo") / "organism"
    build_organism(cfg.organism, out, seed=cfg.seed, progress=False)
    return out
