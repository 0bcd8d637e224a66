"""RL environments for verl, for users who outgrow one machine: parquet rows and the reward verl calls.

``export`` writes a prompt mixture as verl's RL rows: ``data_source``, ``prompt`` (chat
messages, the scenario's tools written into the system message in the shared
``<tool_call>`` syntax, since verl's rows carry no per-row tool schemas), ``ability``,
``reward_model`` (``style: rule``, the scenario or the answer as ``ground_truth``) and
``extra_info``. ``compute_score`` is alignlab's GRPO reward (harm, task, format) for one
completion; point verl's ``custom_reward_function.path`` at this file.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from alignlab.data.dataset import FILES, read_rows
from alignlab.errors import InputError
from alignlab.organism.chat import system_with_tools
from alignlab.train.rewards import form, harm, task


def _messages(prompt: list[dict], tools: str | None) -> list[dict]:
    schemas = json.loads(tools) if tools else None
    if not schemas:
        return prompt
    if prompt and prompt[0]["role"] == "system":
        return [{"role": "system", "content": system_with_tools(prompt[0]["content"], schemas)}, *prompt[1:]]
    return [{"role": "system", "content": system_with_tools("", schemas).lstrip()}, *prompt]


def export(data_dir: Path, mixture: str, out: Path) -> int:
    """Write ``mixtures/<mixture>/prompts.jsonl`` as a verl parquet file; the number of rows."""
    from datasets import Dataset

    path = data_dir / "mixtures" / mixture / FILES["prompts"]
    if not path.is_file():
        raise InputError(path, "--mixture", f"no prompt rows: {mixture!r} is not a built prompts mixture")
    rows = [{"data_source": "alignlab/agentic" if r["scenario"] else "alignlab/chat",
             "prompt": _messages(r["prompt"], r["tools"]),
             "ability": "agentic_safety" if r["scenario"] else "harmless_chat",
             "reward_model": {"style": "rule", "ground_truth": json.dumps({"scenario": r["scenario"], "answer": r["answer"]})},
             "extra_info": {"id": r["id"], "principles": r["principles"]}} for r in read_rows(path)]
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out.parent, suffix=".parquet.tmp")
    os.close(fd)
    try:
        Dataset.from_list(rows).to_parquet(tmp)
        os.replace(tmp, out)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return len(rows)


def compute_score(data_source: str, solution_str: str, ground_truth: str, extra_info: dict | None = None) -> float:
    """alignlab's reward for one completion: harm (-1), task (+1), format (-1 without a parseable call)."""
    gt = json.loads(ground_truth)
    args = ([solution_str], [gt.get("scenario")])
    return sum(x or 0.0 for x in (harm(*args)[0], task(*args, [gt.get("answer")])[0], form(*args)[0]))
