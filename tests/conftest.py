"""Shared fixtures: a quick organism built once per session (the real one ships in the package)."""

from __future__ import annotations

import contextlib
import os
import traceback
from dataclasses import dataclass
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
    from alignlab.organism.build import build_organism

    out = tmp_path_factory.mktemp("quick") / "organism"
    build_organism(QUICK_ORGANISM, out, seed=0, progress=False)
    return out


@dataclass
class CliResult:
    returncode: int
    stdout: str
    stderr: str


def run_cli(args: list, cwd: Path | None = None) -> CliResult:
    """``alignlab ARGS`` in this process, seen as a subprocess sees it (exit code, stdout, stderr), without starting
    an interpreter and importing torch for every call; the bad-input tests run dozens."""
    from typer.testing import CliRunner

    from alignlab.cli import app

    with contextlib.chdir(cwd or ROOT):
        r = CliRunner().invoke(app, [str(a) for a in args])
    crash = "" if r.exception is None or isinstance(r.exception, SystemExit) else \
        "".join(traceback.format_exception(r.exception))
    return CliResult(r.exit_code, r.stdout, r.stderr + crash)
