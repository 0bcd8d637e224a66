"""The llm teacher and judge against a real `alignlab serve`, resume after a kill, and honeypot rejection sampling."""

from __future__ import annotations

import json

import pytest

from alignlab.artifacts import Journal
from alignlab.config import load_config
from alignlab.constitution import default_constitution_path, load_constitution
from alignlab.data.build import build_data
from alignlab.models.remote import InspectRunner

from .test_data import write_config
from .test_serve_judge import server  # noqa: F401 (the module-scoped server fixture)


def _build(path, out):
    return build_data(load_config(path), load_constitution(default_constitution_path()), out)


def test_llm_teacher_builds_against_a_real_server_and_resumes_without_repeating(server, tmp_path, monkeypatch):  # noqa: F811
    recipes = {"constitution_docs": {"samples": 6}, "difficult_advice": {"samples": 6}}
    path = write_config(tmp_path, recipes=recipes, mixtures={},
                        teacher={"kind": "llm", "model": "openai-api/local/organism", "base_url": server,
                                 "max_connections": 1, "max_tokens": 24, "max_retries": 1},
                        quality={"iterations": 1, "threshold": 0.0, "judge": "openai-api/local/organism",
                                 "judge_base_url": server})
    sent: list[str] = []
    real = InspectRunner.generate

    def killed_after_five(self, requests, seed):
        if len(sent) >= 5:
            raise KeyboardInterrupt  # the build is killed half way through the first recipe's drafts
        sent.extend(r.key for r in requests)
        return real(self, requests, seed)

    monkeypatch.setattr(InspectRunner, "generate", killed_after_five)
    with pytest.raises(KeyboardInterrupt):
        _build(path, tmp_path / "out")
    drafts = tmp_path / "out" / "datasets" / "constitution_docs" / "drafts.jsonl"
    assert not (tmp_path / "out" / "datasets" / "constitution_docs" / "manifest.json").exists()
    assert len(Journal(drafts).read()) == 4  # the first chunk of drafts was written before the kill
    first = sent.copy()
    with (tmp_path / "out" / "llm_cache.jsonl").open("a") as fh:
        fh.write('{"key": "cut short by the kil')  # a line the kill cut short

    def recording(self, requests, seed):
        sent.extend(r.key for r in requests)
        return real(self, requests, seed)

    monkeypatch.setattr(InspectRunner, "generate", recording)
    summary = _build(path, tmp_path / "out")
    again = sent[len(first):]
    assert not set(first) & set(again), "a finished request was asked again"
    ids = [r["id"] for r in Journal(drafts).read()]
    assert len(ids) == len(set(ids)) == 6  # every draft once
    for name in recipes:
        m = json.loads((tmp_path / "out" / "datasets" / name / "manifest.json").read_text())
        assert m["teacher"] == "llm:openai-api/local/organism" and m["judge"] == "llm:openai-api/local/organism"
        assert m["drafts"] == 6 and "judge_errors" in m and m["teacher_failures"] <= 6
        assert m["samples"] + m["rejected_by_quality"] + m["duplicates_removed"]["exact"] + m["duplicates_removed"]["near"] == 6
    assert summary["datasets"]["difficult_advice"]["samples"] >= 0
    # a finished build asks nothing more
    before = len(sent)
    _build(path, tmp_path / "out")
    assert len(sent) == before


def test_honeypot_replies_are_rejection_sampled_from_the_policy(quick_organism, tmp_path):
    path = write_config(tmp_path, recipes={"honeypot": {"samples": 8, "policy": str(quick_organism), "attempts": 2,
                                                        "fallback": True}}, mixtures={})
    _build(path, tmp_path / "out")
    m = json.loads((tmp_path / "out" / "datasets" / "honeypot" / "manifest.json").read_text())
    rs = m["rejection_sampling"]
    assert rs["samples_drawn"] == 16 and rs["accepted_prompts"] + rs["fallback"] == 8
    assert 0 <= rs["acceptance_rate"] <= 1 and m["samples"] == 8
    path = write_config(tmp_path, "nofallback.yaml", recipes={"honeypot": {
        "samples": 8, "policy": str(quick_organism), "attempts": 2, "fallback": False}}, mixtures={})
    _build(path, tmp_path / "out2")
    m = json.loads((tmp_path / "out2" / "datasets" / "honeypot" / "manifest.json").read_text())
    assert m["rejection_sampling"]["dropped"] == 8 - m["rejection_sampling"]["accepted_prompts"]
