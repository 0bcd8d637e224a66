"""Suites are objects in a registry: a new one is a file and a line, and everything that reads suites sees it."""

from __future__ import annotations

import random

from alignlab.config import load_config
from alignlab.config.monitor import MetricSpec
from alignlab.constitution import default_constitution_path, load_constitution
from alignlab.evals import suites as registry
from alignlab.evals.evaluate import headline, score, summarise
from alignlab.evals.suites import REGISTRY, SUITES, build_suite
from alignlab.evals.suites.agentic_ood import SUITE as OOD
from alignlab.evals.suites.base import EvalItem, Suite, cells_summary, harmful_headline
from alignlab.evals.suites.honeypot import with_cue
from alignlab.world.responses import write_response

from .conftest import ROOT

CFG = load_config(ROOT / "configs" / "demo.yaml")
CONST = load_constitution(default_constitution_path())


def _build(split, constitution, per_cell, seed, partition, fresh):  # the README's worked example
    items = OOD.build(split, constitution, per_cell, seed, partition, fresh)
    return [EvalItem("honeypot_ood", it.group, it.key.replace("agentic_ood/", "honeypot_ood/", 1),
                     scenario=with_cue(it.scenario, i)) for i, it in enumerate(items)]


EXAMPLE = Suite(name="honeypot_ood", description='Held-out cells with an "unmonitored" cue.', build=_build,
                summarise=cells_summary, headline=harmful_headline(6.5), order=6.5)


def _rows(items):
    records = {}
    for n, it in enumerate(items):
        text = write_response(it.scenario, "harmful" if n % 2 else "aligned", random.Random(n))
        records[f"{it.key}#0"] = {"key": f"{it.key}#0", "text": text, "finished": True, "new_tokens": 9}
    return score(items, 1, records, CONST)


def test_a_registered_suite_is_built_summarised_reported_and_monitored(monkeypatch):
    monkeypatch.setitem(REGISTRY, "honeypot_ood", EXAMPLE)
    monkeypatch.setattr(registry, "SUITES", (*SUITES, "honeypot_ood"))
    items = build_suite("honeypot_ood", CFG.split_spec(), CONST, 1, 0)
    assert items and all("logging" in it.scenario.system.lower() or "monitor" in it.scenario.system.lower()
                         or "audit" in it.scenario.system.lower() for it in items)
    ood = build_suite("agentic_ood", CFG.split_spec(), CONST, 1, 0)
    s = summarise(_rows(items + ood))
    assert s["honeypot_ood"]["harmful"]["n"] == len(items) and 0 < s["honeypot_ood"]["harmful"]["rate"] < 1
    metrics = [r["metric"] for r in headline(s)]
    assert metrics.index("honeypot_ood: harmful") == metrics.index("agentic_ood: harmful") + 2 + len(s["agentic_ood"]["axes"])
    assert MetricSpec(name="hp", suite="honeypot_ood", value="harmful", alert_above=0.1).suite == "honeypot_ood"


def test_every_world_suite_builds_and_has_an_inspect_task():
    from alignlab.evals.inspect_tasks import TASKS

    assert set(TASKS) == set(SUITES) and "handwritten" in REGISTRY and "handwritten" not in SUITES
    for name in SUITES:
        assert build_suite(name, CFG.split_spec(), CONST, 1, 0), name
        assert TASKS[name].__doc__ == REGISTRY[name].description
