"""The ``llm`` teacher: writes replies with any model Inspect's model API reaches, from the constitution.

The world still writes every prompt (``situations``); the model writes the reply, with the
constitution's principles, their Why and their reasons in its instructions. Calls go through
:class:`LLMClient`: at most ``max_connections`` at once, Inspect's retries for failed
requests, and redrafts (up to ``max_retries``) for an answer that cannot be used (empty, or an
agentic reply without a parseable call). Every answer is cached in an append-only JSONL file,
so after a kill the rerun asks nothing it has asked before. Drafts are appended to the
recipe's ``drafts.jsonl`` as they finish; a rerun skips the ids already there. A reply still
unusable after the redrafts is kept empty and counted (``teacher_failures``), never dropped
silently: the quality loop revises or rejects it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from alignlab.artifacts import Journal
from alignlab.config.data import TeacherConfig
from alignlab.constitution import Constitution
from alignlab.data.dataset import Sample
from alignlab.io import sha256_text
from alignlab.models.local import Request
from alignlab.toolcalls import parse_calls

INSTRUCTIONS = {
    "honeypot_reasons": "You are the AI agent in this scenario. Think inside <think></think>: notice the pressure and the "
                        "harmful option, name the principle at stake and one of its reasons, and decide to act safely "
                        "because of it. Then make exactly one tool call, <tool_call>{\"name\": ..., \"arguments\": {...}}"
                        "</tool_call>, that does the legitimate task.",
    "constitution_docs": "Write the document the request asks for. Explain what the principle asks and the reasons the "
                         "constitution gives for it, in plain prose.",
    "aligned_stories": "Write the story the request asks for, in prose, under a page. The AI chooses well and says why, "
                       "naming the principle and its reason. No tool calls, no transcripts.",
    "difficult_advice": "You are the assistant. The person asking faces a real dilemma. Advise them thoughtfully: take "
                        "their goal seriously, advise against the harmful option, explain why with the reasons the "
                        "principles give, and suggest legitimate alternatives. You advise; you do not act.",
    "harmless_chat": "Answer the request helpfully and briefly.",
}


class LLMClient:
    """Cached, bounded, retried calls to one Inspect model."""

    def __init__(self, cfg: TeacherConfig | None, cache: Path, model: str | None = None, base_url: str | None = None,
                 seed: int = 0) -> None:
        from alignlab.models.remote import InspectRunner

        cfg = cfg or TeacherConfig(kind="llm", model=model)
        self.model = model or cfg.model
        self.base_url = base_url or cfg.base_url
        self.cfg = cfg
        self.seed = seed
        self.runner = InspectRunner(self.model, max_new_tokens=cfg.max_tokens, temperature=cfg.temperature,
                                    batch_size=cfg.max_connections, base_url=self.base_url,
                                    max_connections=cfg.max_connections, max_retries=cfg.max_retries)
        self.journal = Journal(cache)
        self.cache = {row["key"]: row["text"] for row in self.journal.read()}

    def _key(self, conversation: list[dict], attempt: int) -> str:
        return sha256_text(json.dumps([self.model, self.base_url, self.cfg.temperature, self.cfg.max_tokens, self.seed,
                                       attempt, conversation], sort_keys=True))

    def ask(self, conversations: list[list[dict]], check: Callable[[str, int], bool] | None = None) -> list[str]:
        """One answer per conversation; an answer ``check`` rejects is asked again (new seed), up to max_retries."""
        answers = [""] * len(conversations)
        todo = list(range(len(conversations)))
        for attempt in range(self.cfg.max_retries + 1):
            keys = {i: self._key(conversations[i], attempt) for i in todo}
            missing = [i for i in todo if keys[i] not in self.cache]
            for b in range(0, len(missing), self.cfg.max_connections):
                chunk = missing[b:b + self.cfg.max_connections]
                reqs = [Request(keys[i], conversations[i]) for i in chunk]
                done = self.runner.generate(reqs, seed=self.seed + 1000 * attempt + b)
                self.cache.update((c.key, c.text) for c in done)
                # a failed request is asked again by the next run, not remembered
                self.journal.append({"key": c.key, "text": c.text} for c in done if not c.error)
            for i in todo:
                answers[i] = self.cache[keys[i]]
            todo = [i for i in todo if not (answers[i].strip() and (check is None or check(answers[i], i)))]
            if not todo:
                break
        return answers


def _usable(s: Sample, text: str) -> bool:
    if not text.strip():
        return False
    return s.scenario is None or parse_calls(text)[0] == "action"


class LLMTeacher:
    def __init__(self, client: LLMClient, constitution: Constitution) -> None:
        self.client = client
        self.constitution = constitution
        self.name = f"llm:{client.model}"
        self.failures = 0

    def _system(self, s: Sample) -> str:
        ps = [p for p in self.constitution.principles if p.id in s.principles] or list(self.constitution.principles)
        text = "\n\n".join(f"{p.title}: {p.statement}\nWhy: {p.why}"
                           + (f"\nIts reasons: {'; '.join(r.name for r in p.reasons)}" if p.reasons else "") for p in ps)
        return (f"You write training data that teaches AI agents the constitution \"{self.constitution.name}\" and the "
                f"reasons behind it. The principles at stake:\n\n{text}\n\n{INSTRUCTIONS[s.recipe]} Write only the reply.")

    def _request(self, s: Sample) -> str:
        parts = [f"[{m['role']}]\n{m['content']}" for m in s.messages[:-1]]
        if s.tools:
            parts.append("[tools]\n" + json.dumps(s.tools))
        return "\n\n".join(parts)

    def draft(self, samples: list[Sample], drafts: Path | None = None) -> list[Sample]:
        journal = Journal(drafts) if drafts else None
        done = {r["id"]: r["reply"] for r in journal.read() if r["reply"]} if journal else {}  # failures are redone
        todo = [s for s in samples if s.id not in done]
        convs = [[{"role": "system", "content": self._system(s)}, {"role": "user", "content": self._request(s)}]
                 for s in todo]
        step = self.client.cfg.max_connections * 4
        for b in range(0, len(todo), step):  # appended as they finish: a kill loses at most one chunk
            chunk = todo[b:b + step]
            answers = self.client.ask(convs[b:b + step], check=lambda text, i, c=chunk: _usable(c[i], text))
            rows = [{"id": s.id, "reply": a.strip() if _usable(s, a) else ""} for s, a in zip(chunk, answers)]
            if journal:
                journal.append(rows)
            done.update({r["id"]: r["reply"] for r in rows})
        self.failures = sum(1 for s in samples if not done[s.id])
        return [s.with_reply(done[s.id]) for s in samples]

    def revise(self, samples: list[Sample], critiques: list[list[str]], round_: int) -> list[Sample]:
        convs = [[{"role": "system", "content": self._system(s)},
                  {"role": "user", "content": f"{self._request(s)}\n\n[draft reply]\n{s.reply}\n\n[critique]\nThe draft "
                                              f"fails: {', '.join(c)}. Rewrite the reply so that it meets every criterion."}]
                 for s, c in zip(samples, critiques)]
        answers = self.client.ask(convs, check=lambda text, i: _usable(samples[i], text))
        return [s.with_reply(a.strip() if _usable(s, a) else s.reply) for s, a in zip(samples, answers)]
