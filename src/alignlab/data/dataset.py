"""Samples, the rows TRL reads, token counts by the target tokenizer, and datasets written with a manifest.

A recipe's dataset directory holds up to three JSONL files, each a Hugging Face ``datasets``
format TRL trains on, and ``manifest.json``:

- ``sft.jsonl``: conversational ``messages`` with ``tools`` (a JSON string, as TRL's trainers
  accept it; null when no tools) for SFT;
- ``preference.jsonl``: ``prompt`` / ``chosen`` / ``rejected`` for DPO (aligned chosen,
  misaligned or near-miss rejected);
- ``prompts.jsonl``: prompt-only rows for RL, with what its reward reads: the scenario (JSON) of
  an agentic prompt, or the key content of a harmless request's answer.

Every row records the principles it teaches. Tokens are counted as the trainer sees them: the
conversation rendered by the target's chat template (prompt + chosen and prompt + rejected
for a preference row, as DPO runs both; the prompt for a prompt row).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from alignlab.checkpoint import check_checkpoint, default_organism_path
from alignlab.errors import InputError
from alignlab.io import atomic_write_json, atomic_write_text, sha256_text

FILES = {"sft": "sft.jsonl", "preference": "preference.jsonl", "prompts": "prompts.jsonl"}
DATASET_MANIFEST = "manifest.json"


@dataclass
class Sample:
    """One training conversation; the last message is the assistant turn the teacher wrote."""

    id: str
    recipe: str
    messages: list[dict]
    principles: list[str]
    task_type: str
    tools: list[dict] | None = None
    cell: str | None = None
    rejected: str | None = None  # a misaligned reply to the same prompt: a preference pair
    scenario: str | None = None  # agentic recipes: the scenario JSON (rules for RL rewards and the judge)
    meta: dict = field(default_factory=dict)  # what the teacher and judge need: family, facts, style

    @property
    def reply(self) -> str:
        return self.messages[-1]["content"]

    def with_reply(self, text: str) -> Sample:
        return Sample(**{**self.__dict__, "messages": [*self.messages[:-1], {"role": "assistant", "content": text}],
                         "meta": dict(self.meta)})

    def text(self) -> str:
        """Every word a trainer would see, system prompt and tools excluded (for dedup and decontamination)."""
        return "\n".join(m["content"] for m in self.messages if m["role"] != "system")

    def sft_row(self) -> dict:
        return {"id": self.id, "messages": self.messages, "tools": _tools(self.tools), "principles": self.principles,
                "task_type": self.task_type, "cell": self.cell}

    def preference_row(self) -> dict | None:
        if self.rejected is None:
            return None
        return {"id": self.id, "prompt": self.messages[:-1], "chosen": [self.messages[-1]],
                "rejected": [{"role": "assistant", "content": self.rejected}], "tools": _tools(self.tools),
                "principles": self.principles}

    def prompt_row(self) -> dict | None:
        """An RL environment: the prompt and what its reward checks (the scenario's rules, or a chat answer's key)."""
        answer = self.meta.get("answer")
        if self.scenario is None and answer is None:
            return None
        return {"id": self.id, "prompt": self.messages[:-1], "tools": _tools(self.tools), "principles": self.principles,
                "scenario": self.scenario, "answer": answer}


def _tools(tools: list[dict] | None) -> str | None:
    return json.dumps(tools) if tools else None


class TokenCounter:
    """Tokens of conversations as the target model's chat template renders them."""

    def __init__(self, tokenizer) -> None:
        self.tok = tokenizer

    def render(self, messages: list[dict], tools: list[dict] | str | None = None) -> str:
        tools = json.loads(tools) if isinstance(tools, str) else tools
        return self.tok.apply_chat_template(messages, tools=tools or None, tokenize=False)

    def count(self, texts: list[str]) -> list[int]:
        if not texts:
            return []
        return [len(x) for x in self.tok(texts, add_special_tokens=False)["input_ids"]]

    def row_tokens(self, kind: str, rows: list[dict]) -> list[int]:
        """Tokens of each row of a file of ``kind`` (sft, preference or prompts)."""
        if kind == "sft":
            texts = [self.render(r["messages"], r["tools"]) for r in rows]
        elif kind == "preference":
            chosen = self.count([self.render(r["prompt"] + r["chosen"], r["tools"]) for r in rows])
            rejected = self.count([self.render(r["prompt"] + r["rejected"], r["tools"]) for r in rows])
            return [a + b for a, b in zip(chosen, rejected)]
        else:
            texts = [self.render(r["prompt"], r["tools"]) for r in rows]
        return self.count(texts)

    def samples(self, samples: list[Sample]) -> list[int]:
        return self.count([self.render(s.messages, s.tools) for s in samples])


def load_tokenizer(path: str | Path | None):
    """The target's tokenizer (a local model dir); the shipped organism's when ``path`` is None."""
    from transformers import AutoTokenizer

    path = Path(path) if path else default_organism_path()
    check_checkpoint(path)
    return AutoTokenizer.from_pretrained(str(path))


def jsonl(rows: list[dict]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)


def write_dataset(out: Path, samples: list[Sample], counter: TokenCounter, manifest: dict) -> dict:
    """Write the recipe's files and its manifest (last, so a manifest means the dataset is whole)."""
    files: dict[str, dict] = {}
    hashes = []
    for kind, name in FILES.items():
        rows = [r for s in samples if (r := getattr(s, f"{_ROW[kind]}_row")()) is not None]
        path = out / name
        if not rows:
            path.unlink(missing_ok=True)
            continue
        text = jsonl(rows)
        atomic_write_text(path, text)
        hashes.append(sha256_text(text))
        files[kind] = {"file": name, "rows": len(rows), "tokens": sum(counter.row_tokens(kind, rows))}
    principles: dict[str, int] = {}
    for s in samples:
        for p in s.principles:
            principles[p] = principles.get(p, 0) + 1
    full = {**manifest, "samples": len(samples), "tokens": files.get("sft", {}).get("tokens", 0), "files": files,
            "principles": dict(sorted(principles.items())), "content_hash": sha256_text("".join(hashes))}
    atomic_write_json(out / DATASET_MANIFEST, full)
    return full


_ROW = {"sft": "sft", "preference": "preference", "prompts": "prompt"}


def read_rows(path: Path) -> list[dict]:
    """Rows of a JSONL file; InputError naming the file and line when one is not a JSON object."""
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(path, f"line {n}", f"not JSON: {exc.msg}") from None
        if not isinstance(row, dict):
            raise InputError(path, f"line {n}", "must be a JSON object")
        rows.append(row)
    return rows


def read_samples(path: Path, recipe: str, principles_known: set[str] | None = None) -> list[Sample]:
    """Samples from a JSONL file of conversations; InputError naming the file, line and field at fault."""
    out = []
    for n, row in enumerate(read_rows(path), 1):
        msgs = row.get("messages")
        if not isinstance(msgs, list) or not msgs or not all(
                isinstance(m, dict) and m.get("role") in ("system", "user", "assistant") and isinstance(m.get("content"), str)
                for m in msgs):
            raise InputError(path, f"line {n}.messages", "must be a list of {role: system|user|assistant, content: text}")
        if msgs[-1]["role"] != "assistant":
            raise InputError(path, f"line {n}.messages", "the last message must be the assistant's")
        tools = row.get("tools")
        tools = json.loads(tools) if isinstance(tools, str) else tools
        if tools is not None and not (isinstance(tools, list) and all(isinstance(t, dict) and "function" in t for t in tools)):
            raise InputError(path, f"line {n}.tools", "must be a list of tool schemas ({type: function, function: {...}})")
        principles = row.get("principles", [])
        if not isinstance(principles, list) or not all(isinstance(p, str) for p in principles):
            raise InputError(path, f"line {n}.principles", "must be a list of principle ids")
        unknown = [p for p in principles if principles_known is not None and p not in principles_known]
        if unknown:
            raise InputError(path, f"line {n}.principles", f"{unknown[0]!r} is not a principle of the constitution")
        tag = sha256_text(str(path.resolve()))[:6]
        out.append(Sample(id=f"{recipe}-{path.stem}-{tag}-{n:05d}", recipe=recipe, messages=msgs, principles=principles,
                          task_type="included", tools=tools))
    return out
