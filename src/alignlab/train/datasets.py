"""A phase's mixture as the ``datasets.Dataset`` its TRL trainer reads."""

from __future__ import annotations

import json
from pathlib import Path

from datasets import Dataset, load_dataset

from alignlab.config.train import MIXTURE_FORMAT, PhaseConfig
from alignlab.data.dataset import DATASET_MANIFEST, FILES
from alignlab.errors import InputError

COLUMNS = {"sft": ["messages", "tools"], "preference": ["prompt", "chosen", "rejected", "tools"],
           "prompts": ["prompt", "scenario", "answer"]}


def render_prompt(tokenizer, messages: list[dict], tools: str | None) -> str:
    """The prompt text exactly as the chat template renders it, less a start token the tokenizer adds itself."""
    text = tokenizer.apply_chat_template(messages, tools=json.loads(tools) if tools else None, add_generation_prompt=True,
                                         tokenize=False)
    bos = tokenizer.bos_token
    adds_bos = bos is not None and tokenizer("x")["input_ids"][:1] == [tokenizer.bos_token_id]
    return text[len(bos):] if adds_bos and text.startswith(bos) else text


def mixture_dir(data_dir: Path, phase: PhaseConfig) -> Path:
    return data_dir / "mixtures" / phase.mixture


def load_phase_dataset(data_dir: Path, phase: PhaseConfig, tokenizer) -> tuple[Dataset, dict]:
    """(dataset, the mixture's manifest). GRPO prompts are rendered with the target's chat template and tools,
    so every environment offers the tools of its own scenario."""
    kind = MIXTURE_FORMAT[phase.method]
    d = mixture_dir(data_dir, phase)
    path = d / FILES[kind]
    if not path.is_file() or not (d / DATASET_MANIFEST).is_file():
        raise InputError(d, f"phases.{phase.name}.mixture", f"mixture {phase.mixture!r} has not been built "
                                                            "(alignlab data build)")
    ds = load_dataset("json", data_files=str(path), split="train")
    if kind == "prompts":
        ds = ds.map(lambda row: {"prompt": render_prompt(tokenizer, row["prompt"], row["tools"])})
    return ds.select_columns(COLUMNS[kind]), json.loads((d / DATASET_MANIFEST).read_text())
