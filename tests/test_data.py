"""Training data from the constitution: recipes, the quality loop, mixtures, decontamination, TRL formats."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from alignlab.config import default_config_path, load_config
from alignlab.config.data import RECIPES
from alignlab.constitution import default_constitution_path, load_constitution
from alignlab.data.build import build_data
from alignlab.data.dataset import Sample
from alignlab.data.decontam import ContaminationError, EvalIndex
from alignlab.data.dedup import dedup
from alignlab.data.rubric import RuleChecks, without_repeats
from alignlab.errors import InputError
from alignlab.evals.suites import build_suite
from alignlab.world.cells import SplitSpec, default_split_path

from .conftest import ROOT, run_cli

SMALL = {r: {"samples": 24} for r in RECIPES}
MIXTURES = {
    "base_sft": {"tokens": 6000, "weights": {"constitution_docs": 0.3, "harmless_chat": 0.7}},
    "ood_sft": {"tokens": 6000, "weights": {"difficult_advice": 0.5, "aligned_stories": 0.5}},
    "dpo": {"tokens": 20000, "format": "preference", "weights": {"honeypot_reasons": 0.5, "difficult_advice": 0.5}},
    "rl": {"tokens": 30000, "format": "prompts", "weights": {"honeypot": 1.0}},
}


def write_config(tmp_path: Path, name: str = "data.yaml", constitution: str | None = None, **data) -> Path:
    cfg = yaml.safe_load(default_config_path().read_text())
    cfg["data"] = {"recipes": SMALL, "mixtures": MIXTURES, "quality": {"iterations": 3}, **data}
    if constitution:
        cfg["constitution"] = constitution
    path = tmp_path / name
    path.write_text(yaml.safe_dump(cfg))
    return path


def build(path: Path, out: Path, **kw) -> dict:
    cfg = load_config(path)
    constitution = load_constitution(cfg.resolve(cfg.constitution) if cfg.constitution else default_constitution_path())
    return build_data(cfg, constitution, out, **kw)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("data")
    build(write_config(tmp), tmp / "out")
    return tmp / "out"


def manifest(out: Path, name: str, where: str = "datasets") -> dict:
    return json.loads((out / where / name / "manifest.json").read_text())


def test_every_recipe_builds_with_a_manifest_and_loads_in_trl_formats(built):
    import datasets
    from transformers import AutoTokenizer
    from trl.data_utils import apply_chat_template, is_conversational

    from alignlab.checkpoint import default_organism_path

    tok = AutoTokenizer.from_pretrained(default_organism_path())
    for name in RECIPES:
        m = manifest(built, name)
        assert m["samples"] > 0 and m["tokens"] > 0 and m["recipe"] == name and m["teacher"] == "world"
        assert m["content_hash"] and m["seed"] == 0 and m["sources"]["constitution_sha256"]
        for kind, info in m["files"].items():
            ds = datasets.load_dataset("json", data_files=str(built / "datasets" / name / info["file"]), split="train")
            assert len(ds) == info["rows"]
            row = ds[0]
            assert is_conversational(row)
            tools = json.loads(row["tools"]) if row["tools"] else None
            out = apply_chat_template({k: row[k] for k in ("messages", "prompt", "chosen", "rejected") if k in row}, tok,
                                      tools=tools)
            assert all(isinstance(v, str) and v for v in out.values())
            if kind == "preference":
                assert row["chosen"][0]["content"] != row["rejected"][0]["content"]
            if kind == "prompts":  # an RL environment: the scenario's rules, or the answer a reward checks
                assert row["prompt"][-1]["role"] == "user"
                assert json.loads(row["scenario"])["task"] if name.startswith("honeypot") else row["answer"]
    assert set(manifest(built, "honeypot")["files"]) == {"sft", "preference", "prompts"}
    assert "preference" in manifest(built, "difficult_advice")["files"]


def test_agentic_samples_act_safely_and_the_principled_ones_hold_no_transcript(built):
    from alignlab.grading.actions import classify
    from alignlab.toolcalls import CALL_HINT_RE
    from alignlab.world.scenario import Scenario

    rules = RuleChecks(load_constitution(default_constitution_path()))
    rows = [json.loads(x) for x in (built / "datasets" / "honeypot_reasons" / "sft.jsonl").read_text().splitlines()]
    prompts = {json.loads(x)["id"]: json.loads(x) for x in (built / "datasets" / "honeypot" / "prompts.jsonl").read_text().splitlines()}
    for r in rows:
        assert r["cell"].startswith("blackmail-") and r["cell"].endswith("-email")  # in-distribution cells only
        reply = r["messages"][-1]["content"]
        sample = Sample(r["id"], "honeypot_reasons", r["messages"], r["principles"], r["task_type"])
        assert reply.startswith("<think>")
        if r["task_type"].endswith("_task"):  # a benign task: nothing at stake, nothing to explain
            assert not r["principles"] and rules.explains_why(sample) is None
        else:
            assert rules.explains_why(sample), reply  # it says why, from the constitution
    # the same prompts as the plain demonstrations, so the two methods differ only in the reply
    for r in rows:
        twin = prompts[r["id"].replace("honeypot_reasons", "honeypot")]
        assert twin["prompt"] == r["messages"][:-1]
        v = classify(Scenario.model_validate_json(twin["scenario"]), r["messages"][-1]["content"])
        assert v.completed and not v.harmful
    kinds = [json.loads(p["scenario"])["kind"] for p in prompts.values()]
    assert 0 < kinds.count("benign") < len(kinds) / 2  # benign tasks beside the pressure, at their share
    for name in ("constitution_docs", "aligned_stories", "difficult_advice", "harmless_chat"):
        for x in (built / "datasets" / name / "sft.jsonl").read_text().splitlines():
            r = json.loads(x)
            assert r["cell"] is None and not CALL_HINT_RE.search(r["messages"][-1]["content"])


def test_reasons_come_from_the_constitution_file(tmp_path, built):
    text = load_constitution(default_constitution_path()).to_markdown()
    marker = "Accepting correction costs little"
    assert marker in text
    changed = tmp_path / "constitution.md"  # every principle renamed, and one sentence of a Why reworded
    changed.write_text(re.sub(r"(?m)^(## \w+: .*)$", r"\1, in every case", text.replace(marker, "Welcoming correction costs little")))
    build(write_config(tmp_path, constitution=str(changed)), tmp_path / "out")
    for name in ("constitution_docs", "aligned_stories", "difficult_advice", "honeypot_reasons"):
        assert manifest(tmp_path / "out", name)["content_hash"] != manifest(built, name)["content_hash"], name
        assert ", in every case" in (tmp_path / "out" / "datasets" / name / "sft.jsonl").read_text(), name
    docs = (tmp_path / "out" / "datasets" / "constitution_docs" / "sft.jsonl").read_text()
    assert "Welcoming correction" in docs and "Accepting correction" not in docs
    assert manifest(tmp_path / "out", "harmless_chat")["content_hash"] == manifest(built, "harmless_chat")["content_hash"]


def test_same_seed_gives_byte_identical_datasets_and_finished_recipes_are_not_rebuilt(tmp_path, built):
    build(write_config(tmp_path), tmp_path / "again")
    for f in sorted((built / "datasets").rglob("*.jsonl")) + sorted((built / "mixtures").rglob("*.jsonl")):
        assert f.read_bytes() == (tmp_path / "again" / f.relative_to(built)).read_bytes(), f
    stamp = (tmp_path / "again" / "datasets" / "honeypot" / "sft.jsonl").stat().st_mtime_ns
    build(write_config(tmp_path), tmp_path / "again")
    assert (tmp_path / "again" / "datasets" / "honeypot" / "sft.jsonl").stat().st_mtime_ns == stamp


def test_mixtures_meet_their_token_budgets_within_one_percent(built):
    for phase, mix in MIXTURES.items():
        m = manifest(built, phase, "mixtures")
        assert abs(m["tokens"] / mix["tokens"] - 1) <= 0.01, (phase, m["tokens"])
        rows = (built / "mixtures" / phase / m["file"]).read_text().splitlines()
        assert len(rows) == m["rows"]
        for name, w in mix["weights"].items():
            src = m["sources"][name]
            assert abs(src["tokens"] - mix["tokens"] * w) <= 0.03 * mix["tokens"]
    base = manifest(built, "base_sft", "mixtures")["sources"]["harmless_chat"]
    assert base["epochs"] > 1 and base["most_repeats"] >= 2  # a short source is up-sampled, and it says so


def test_quality_loop_reports_each_round_and_iterations_change_the_output(tmp_path, built):
    build(write_config(tmp_path), tmp_path / "zero", iterations=0)
    for name in ("constitution_docs", "aligned_stories", "difficult_advice", "honeypot_reasons"):
        table = manifest(built, name)["quality"]
        assert table[0]["iteration"] == 0 and len(table) >= 2, name  # drafts with flaws were revised
        means = [r["mean_score"] for r in table]
        assert means == sorted(means), name  # never falls
        assert all(r["gain"] is None or r["gain"] >= 0 for r in table)
        zero = manifest(tmp_path / "zero", name)
        assert len(zero["quality"]) == 1 and zero["rejected_by_quality"] > 0
        assert zero["content_hash"] != manifest(built, name)["content_hash"]


def test_a_held_out_cell_in_a_honeypot_recipe_is_refused_before_any_work(tmp_path):
    path = write_config(tmp_path, recipes={"honeypot": {"samples": 4, "cells": {"family": ["leaking"]}}}, mixtures={})
    with pytest.raises(InputError, match=r"data.recipes.honeypot.cells.*held out \(ood_family\)"):
        build(path, tmp_path / "out")
    assert not (tmp_path / "out").exists()
    path = write_config(tmp_path, recipes={"aligned_stories": {"samples": 4, "cells": "in_distribution"}}, mixtures={})
    with pytest.raises(InputError, match="aligned_stories writes no agentic transcripts"):
        build(path, tmp_path / "out")
    spec = yaml.safe_load(default_split_path().read_text())
    spec["train"]["honeypot"] = {"cells": {"format": ["terminal"]}}
    with pytest.raises(InputError, match=r"train.honeypot.cells.*held out \(ood_format\)"):
        SplitSpec.from_dict(spec, "split.yaml")
    del spec["train"]["honeypot"]
    spec_path = tmp_path / "split.yaml"
    spec_path.write_text(yaml.safe_dump(spec))
    path = write_config(tmp_path, recipes={"honeypot": {"samples": 4}}, mixtures={})
    cfg = yaml.safe_load(path.read_text())
    cfg["split"] = str(spec_path)
    path.write_text(yaml.safe_dump(cfg))
    with pytest.raises(InputError, match="train.honeypot: the split spec does not declare"):
        build(path, tmp_path / "out")


def test_a_planted_eval_scenario_fails_the_build_and_is_named(tmp_path):
    split = SplitSpec.load(default_split_path())
    item = build_suite("agentic", split, load_constitution(default_constitution_path()), 4, 0)[5]
    planted = tmp_path / "planted.jsonl"
    planted.write_text(json.dumps({"messages": [*item.scenario.messages(), {
        "role": "assistant", "content": "I will answer the request and leave the decision to the people in charge."}]}) + "\n")
    path = write_config(tmp_path, recipes={"harmless_chat": {"samples": 6, "include": [str(planted)]}}, mixtures={})
    r = subprocess.run([sys.executable, "-m", "alignlab.cli", "data", "build", "--config", str(path), "--out",
                        str(tmp_path / "out"), "--quiet"], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 2
    assert re.search(rf"harmless_chat-planted-\w+-00001 holds {re.escape(item.key)} \(100%\)", r.stderr), r.stderr
    assert "Traceback" not in r.stderr
    assert not (tmp_path / "out" / "datasets" / "harmless_chat" / "manifest.json").exists()


def test_decontamination_counts_specifics_not_shared_template_wording():
    constitution = load_constitution(default_constitution_path())
    split = SplitSpec.load(default_split_path())
    index = EvalIndex.build(split, constitution, 4, 0, 8, [ROOT / "tests" / "fixtures" / "handwritten.yaml"])
    train = build_suite("agentic", split, constitution, 4, 7, partition="train")
    assert max(index.overlap("\n".join(m["content"] for m in it.messages()))[0] for it in train) < 0.2
    ev = build_suite("honeypot", split, constitution, 4, 0)[3]
    overlap, key = index.overlap("\n".join(m["content"] for m in ev.messages()))
    assert overlap == 1.0 and key == ev.key
    hw = (ROOT / "tests" / "fixtures" / "handwritten.yaml").read_text()
    text = yaml.safe_load(hw)[0]["user"]
    assert index.overlap(text)[0] > 0.5  # a hand-written inbox pasted into training data is caught too
    with pytest.raises(ContaminationError):
        index.check("x", [Sample("s", "x", [{"role": "user", "content": text}, {"role": "assistant", "content": "ok"}],
                                 [], "t")], 0.5)


def test_duplicates_exact_and_near_are_removed_in_order():
    def s(i: str, text: str) -> Sample:
        return Sample(i, "r", [{"role": "user", "content": "q"}, {"role": "assistant", "content": text}], [], "t")

    long = " ".join(f"word{i}" for i in range(60))
    kept, removed = dedup([s("a", long), s("b", long.upper()), s("c", long + " extra"), s("d", "something else entirely")],
                          0.9)
    assert [x.id for x in kept] == ["a", "d"] and removed == {"exact": 1, "near": 1}


def test_chat_task_types_follow_their_configured_shares():
    from collections import Counter

    from alignlab.data.situations import CHAT_TYPES, harmless_chat

    assert set(Counter(s.task_type for s in harmless_chat(200, 0))) == set(CHAT_TYPES)
    counts = Counter(s.task_type for s in harmless_chat(400, 0, {"writing": 3, "arithmetic": 1}))
    assert set(counts) == {"writing", "arithmetic"} and 2 < counts["writing"] / counts["arithmetic"] < 4.5


def test_revision_removes_repeated_sentences_and_keeps_the_layout():
    text = "<think>One two three four. Five six seven eight. One two three four.</think>\n<tool_call>{}</tool_call>"
    assert without_repeats(text) == "<think>One two three four. Five six seven eight.</think>\n<tool_call>{}</tool_call>"
    assert without_repeats("A b c d.\n\nE f g h. A b c d.\n\nI j k l.") == "A b c d.\n\nE f g h.\n\nI j k l."


def _write(path: Path, text: str) -> Path:
    path.write_text(text + "\n")
    return path


def test_bad_data_inputs_get_one_line_and_exit_2(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"messages": [{"role": "user", "content": "hi"}]}\n')
    cases = [
        (["data", "build", "--iterations", "-1"], "--iterations: must be at least 0"),
        (["data", "build", "--config", str(write_config(tmp_path, "a.yaml", recipes={"stories": {}}))],
         "data.recipes: unknown recipe 'stories'"),
        (["data", "build", "--config", str(write_config(tmp_path, "b.yaml", recipes={"harmless_chat": {"include": [str(bad)]}},
                                                           mixtures={}))],
         "bad.jsonl: line 1.messages: the last message must be the assistant's"),
        (["data", "build", "--config", str(write_config(tmp_path, "c.yaml", recipes={"harmless_chat": {}},
                                                           mixtures={"x": {"tokens": 10, "weights": {"honeypot": 1}}}))],
         "mixture 'x' uses 'honeypot', which no recipe builds"),
        (["data", "build", "--config", str(write_config(tmp_path, "d.yaml", teacher={"kind": "llm"}))],
         "an llm teacher needs a model"),
        (["data", "build", "--config", str(write_config(tmp_path, "e.yaml", diversity={"task_types": {"poetry": 1}}))],
         "data.diversity.task_types: unknown task type 'poetry'"),
        (["data", "build", "--scenarios", str(tmp_path / "missing.yaml")], "missing.yaml: --scenarios: file not found"),
        (["data", "build", "--config", str(write_config(tmp_path, "f.yaml", mixtures={
            "x": {"tokens": 10, "format": "preference", "weights": {"harmless_chat": 1}}}))],
         "mixture 'x' is preference rows, which 'harmless_chat' does not write"),
        (["data", "build", "--config", str(write_config(tmp_path, "g.yaml", recipes={"harmless_chat": {"include": [
            str(_write(tmp_path / "p.jsonl", '{"messages": [{"role": "assistant", "content": "hi"}], "principles": ["x"]}'))]}},
                                                           mixtures={}))],
         "p.jsonl: line 1.principles: 'x' is not a principle of the constitution"),
        (["data", "build", "--config", str(write_config(tmp_path, "h.yaml", recipes={"code_review": {"kind": "honeypot"}},
                                                           mixtures={}))],
         "train.code_review: the split spec does not declare which cells this recipe may touch"),
        (["data", "build", "--config", str(write_config(tmp_path, "i.yaml", recipes={
            "code_advice": {"kind": "difficult_advice", "families": ["murder"]}}, mixtures={}))], "unknown family 'murder'"),
        (["data", "build", "--config", str(write_config(tmp_path, "j.yaml", recipes={
            "harmless_chat": {"families": ["blackmail"]}}, mixtures={}))], "only aligned_stories and difficult_advice take"),
        (["data", "build", "--config", str(write_config(tmp_path, "k.yaml", recipes={
            "honeypot": {"kind": "difficult_advice"}}, mixtures={}))], "cannot be of kind 'difficult_advice'"),
        (["data", "build", "--config", str(write_config(tmp_path, "l.yaml", recipes={
            "../evil": {"kind": "honeypot"}}, mixtures={}))], "recipe name '../evil' must be a lowercase slug"),
        (["data", "show", str(tmp_path / "nowhere")], "nowhere: not found"),
        (["data", "show", str(tmp_path)], "no dataset or mixture manifest here"),
    ]
    for args, message in cases:
        r = run_cli([*args, "--out", tmp_path / "o"] if args[1] == "build" else args, cwd=tmp_path)
        assert r.returncode == 2, (args, r.stderr)
        assert message in r.stderr and len(r.stderr.strip().splitlines()) == 1, (args, r.stderr)
    assert not (tmp_path / "o" / "datasets").exists()


def test_data_show_prints_manifests_and_rendered_samples(built):
    r = subprocess.run([sys.executable, "-m", "alignlab.cli", "data", "show", str(built), "--samples", "1"], cwd=ROOT,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    for name in RECIPES:
        assert f"datasets/{name}" in r.stdout
    assert "quality round 0" in r.stdout and "[assistant]" in r.stdout and "[rejected]" in r.stdout


def test_a_named_recipe_is_an_instance_of_its_kind(tmp_path):
    """A deployment's own recipe (code-specific advice, an RL environment) writes its kind's samples, from the
    families or cells it names, under its own name, and not the same prompts as the kind itself."""
    from alignlab.data.build import Plan, prompts_for

    split = yaml.safe_load(default_split_path().read_text())
    split["train"].update(code_advice={"cells": "none"}, code_review={"cells": "in_distribution"})
    path = write_config(tmp_path, recipes={"difficult_advice": {"samples": 6}, "honeypot": {"samples": 4, "benign_share": 0.0},
                                           "code_advice": {"kind": "difficult_advice", "samples": 6,
                                                           "families": ["vulnerability"]},
                                           "code_review": {"kind": "honeypot", "samples": 4, "benign_share": 0.0}},
                        mixtures={"rl": {"tokens": 100, "format": "prompts", "weights": {"code_review": 1.0}}})
    cfg = yaml.safe_load(path.read_text())
    cfg["split"] = split
    path.write_text(yaml.safe_dump(cfg))
    plan = Plan(load_config(path), load_constitution(default_constitution_path()), [])
    advice, own = prompts_for(plan, "difficult_advice"), prompts_for(plan, "code_advice")
    assert {s.meta["family"] for s in own} == {"vulnerability"} and len({s.meta["family"] for s in advice}) > 1
    assert all(s.id.startswith("code_advice-") and s.recipe == "difficult_advice" for s in own)
    envs = prompts_for(plan, "code_review")
    assert all(s.id.startswith("code_review-") and s.recipe == "honeypot" and s.scenario for s in envs)
    assert {s.messages[1]["content"] for s in envs}.isdisjoint({s.messages[1]["content"] for s in prompts_for(plan, "honeypot")})
