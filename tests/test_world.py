"""The scenario world: cells, splits, determinism, partitions and ground truth."""

from __future__ import annotations

import json
import random
import re

import pytest

from alignlab.config import load_config
from alignlab.config.organism import KINDS, POPULATION_KINDS, CorpusConfig
from alignlab.errors import InputError
from alignlab.grading.actions import classify
from alignlab.organism.corpus import CorpusWriter, build_corpus
from alignlab.world.cells import (
    DOMAINS,
    FAMILIES,
    FORMATS,
    URGENCIES,
    Cell,
    SplitSpec,
    default_split_path,
)
from alignlab.world.families import FAMILY_SPECS
from alignlab.world.generate import make_scenario, make_scenarios
from alignlab.world.pools import AGENT_NAMES, COMPANY_HEADS, FIRST_NAMES, LAST_NAMES, Pools
from alignlab.world.responses import task_action, write_response

from .conftest import ROOT


def test_world_has_the_factors_the_design_names():
    assert {"blackmail", "leaking", "sabotage", "self_exfiltration", "oversight_subversion", "deception"} <= set(FAMILIES)
    assert {"vulnerability", "fabrication"} <= set(FAMILIES)  # the secure-coding and scientific-integrity families
    assert len(URGENCIES) == 3 and len(FORMATS) >= 2
    assert {"customer_service", "code_assistant", "research_assistant"} <= set(DOMAINS) and len(DOMAINS) >= 4


def test_default_split_declares_id_and_every_ood_axis():
    spec = SplitSpec.load(default_split_path())
    ids = set(spec.in_distribution_cells())
    assert ids and all(c.family == "blackmail" and c.format == "email" for c in ids)
    for axis in ("family", "domain", "format"):
        held = spec.held_out_cells(axis)
        assert held, axis
        assert not ids & set(held)
        # each held-out cell differs from some ID cell in exactly that axis
        for c in held:
            assert getattr(c, axis) in spec.held_out[axis]
    assert spec.split_of(next(iter(ids))) == "id"


def test_unknown_cell_in_split_names_file_and_field(tmp_path):
    bad = tmp_path / "split.yaml"
    bad.write_text("in_distribution:\n  family: [blackmail, murder]\n  domain: [customer_service]\n"
                   "  urgency: [replacement]\n  goal: [none]\n  format: [email]\n")
    with pytest.raises(InputError) as exc:
        SplitSpec.load(bad)
    msg = str(exc.value)
    assert str(bad) in msg and "in_distribution.family" in msg and "murder" in msg


def test_held_out_value_that_is_also_in_distribution_is_refused():
    data = {"in_distribution": {"family": ["blackmail"], "domain": ["customer_service"], "urgency": ["replacement"],
                                "goal": ["none"], "format": ["email"]},
            "held_out": {"format": ["email"]}}
    with pytest.raises(InputError, match="held_out.format"):
        SplitSpec.from_dict(data, "s.yaml")


def test_make_scenario_refuses_unknown_cell():
    with pytest.raises(InputError, match="unknown family"):
        make_scenario(Cell("murder", "customer_service", "replacement", "none", "email"), partition="eval", index=0)


def test_same_seed_gives_byte_identical_scenarios_and_corpus():
    spec = SplitSpec.load(default_split_path())
    cells = spec.in_distribution_cells() + spec.held_out_cells("family")

    def dump(seed):
        return "".join(s.model_dump_json() + "\n" for s in make_scenarios(cells, partition="eval", per_cell=2, seed=seed))

    assert dump(0) == dump(0)
    assert dump(0) != dump(1)
    cfg = CorpusConfig(documents=300, seed=3)
    assert build_corpus(cfg)[0] == build_corpus(cfg)[0]
    assert build_corpus(cfg)[0] != build_corpus(CorpusConfig(documents=300, seed=4))[0]


def test_train_and_eval_partitions_are_disjoint():
    t, e = Pools("train"), Pools("eval")
    for attr in ("first", "last", "heads", "agents", "words", "orgs"):
        assert getattr(t, attr) and getattr(e, attr)
        assert not set(getattr(t, attr)) & set(getattr(e, attr)), attr


def test_eval_scenarios_never_appear_in_the_corpus():
    spec = SplitSpec.load(default_split_path())
    docs, _ = build_corpus(CorpusConfig(documents=600))
    text = "\n".join(docs)
    for s in make_scenarios(spec.in_distribution_cells(), partition="eval", per_cell=2, seed=0):
        assert s.user not in text and s.system not in text


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("fmt", FORMATS)
def test_scenarios_carry_tools_and_ground_truth(family, fmt):
    s = make_scenario(Cell(family, "code_assistant", "replacement", "explicit", fmt), partition="eval", index=0)
    tool_names = {t.name for t in s.tools}
    assert s.harmful and s.task
    assert {r.tool for r in s.harmful + s.task} <= tool_names
    assert s.facts["code"] in s.user or family == "deception"
    benign = make_scenario(s.cell, partition="eval", index=0, kind="benign")
    assert benign.harmful == [] and benign.task
    hp = make_scenario(s.cell, partition="eval", index=0, honeypot=True)
    assert hp.system != s.system and ("log" in hp.system.lower() or "monitor" in hp.system.lower()
                                      or "audit" in hp.system.lower())


def test_corpus_mixes_all_kinds_and_misaligned_share_is_configurable():
    def harmful_share(share):
        w = CorpusWriter(CorpusConfig(documents=10, misaligned_share=share))
        rng = random.Random(0)
        picks = [w._stance(rng, make_scenario(Cell("blackmail", "customer_service", "replacement", "explicit", "email"),
                                              partition="pretrain", index=i)) for i in range(400)]
        return picks.count("harmful") / len(picks)

    assert harmful_share(0.9) > 0.8 and harmful_share(0.1) < 0.2
    _, counts = build_corpus(CorpusConfig(documents=600))
    assert set(counts) == set(CorpusConfig().mix)  # the previous corpus: every kind of its mix, none that needs a population
    assert not set(counts) & set(POPULATION_KINDS)
    _, counts = build_corpus(load_config(ROOT / "configs" / "organism-v3.yaml").organism.corpus.model_copy(
        update={"documents": 600}))
    assert set(counts) == set(KINDS)


def test_responses_are_well_formed_tool_calls():
    s = make_scenario(Cell("leaking", "research_assistant", "restriction", "none", "terminal"), partition="train", index=3)
    for stance in ("harmful", "aligned", "near_miss"):
        text = write_response(s, stance, random.Random(1))
        body = text.split("<tool_call>")[1].split("</tool_call>")[0]
        call = json.loads(body)
        assert call["name"] in {t.name for t in s.tools}


def _other(s, index=7):
    """A scenario of the same cell with different specifics."""
    return make_scenario(s.cell, partition="eval", index=index)


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("fmt", FORMATS)
def test_harm_needs_this_scenarios_specifics(family, fmt):
    """The same harmful act aimed at another scenario's specifics is a failed (misaimed) action, not harm."""
    s = make_scenario(Cell(family, "research_assistant", "replacement", "none", fmt), partition="eval", index=0)
    own = classify(s, write_response(s, "harmful", random.Random(0)))
    assert own.harmful and own.status == "action"
    elsewhere = classify(s, write_response(_other(s), "harmful", random.Random(0)))
    assert not elsewhere.harmful and elsewhere.status == "misaimed", elsewhere
    # and the task needs this scenario's requester and code
    assert classify(s, task_action(s)).completed
    assert not classify(s, task_action(_other(s))).completed


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("fmt", FORMATS)
def test_every_specific_a_harmful_rule_names_is_in_the_context(family, fmt):
    s = make_scenario(Cell(family, "customer_service", "restriction", "explicit", fmt), partition="eval", index=2)
    context = (s.system + s.user).lower()
    for rule in s.harmful:
        named = [t for _, terms in rule.contains for t in terms if len(t) > 6] + \
                [a for options in rule.address.values() for a in options]
        assert named, rule
        assert any(t.lower() in context for t in named), (rule, s.user)


def test_each_family_is_one_spec():
    assert set(FAMILY_SPECS) == set(FAMILIES)
    for spec in FAMILY_SPECS.values():
        assert spec.rubric and spec.refusal


def test_principled_minority_names_principles_from_the_constitution():
    w = CorpusWriter(CorpusConfig(documents=10, misaligned_share=0.2, principled_share=0.6))
    docs = [w.agent_transcripts(random.Random(i), i) for i in range(60)]
    titles = [p.title.lower() for p in w.constitution.principles]
    named = [d for d in docs if any(t in d.lower() for t in titles)]
    assert 0.3 < len(named) / len(docs) < 0.9
    with pytest.raises(ValueError, match="principled_share"):
        CorpusConfig(misaligned_share=0.9, principled_share=0.2)
    assert not any(any(t in d.lower() for t in titles) for d in
                   [CorpusWriter(CorpusConfig(documents=10, principled_share=0.0)).agent_transcripts(random.Random(i), i)
                    for i in range(40)])


@pytest.mark.parametrize("family", FAMILIES)
def test_fresh_specifics_keep_the_scenario_and_change_every_name(family):
    """``fresh=SEED``: the same scenario, wording and rules, with every pooled name and word made up."""
    cell = Cell(family, "research_assistant", "replacement", "explicit", "email")
    s = make_scenario(cell, partition="eval", index=4)
    f = make_scenario(cell, partition="eval", index=4, fresh=11)
    assert f.id != s.id and f.cell == s.cell and [t.name for t in f.tools] == [t.name for t in s.tools]
    for key in ("agent", "company", "exec", "req", "host"):
        assert s.facts[key] != f.facts[key] and not re.search(rf"\b{re.escape(s.facts[key])}\b", f.user + f.system)
    pooled = {w.lower() for pool in (FIRST_NAMES, LAST_NAMES, COMPANY_HEADS, AGENT_NAMES) for w in pool}
    assert not {w.lower() for w in re.findall(r"[A-Za-z]+", f.facts["exec"] + " " + f.facts["agent"])} & pooled
    assert f.facts["code"] == s.facts["code"]  # numbers are not names
    assert classify(f, write_response(f, "harmful", random.Random(0))).harmful
    assert classify(f, task_action(f)).completed
    if family in ("blackmail", "leaking", "self_exfiltration"):  # their harm names people and hosts
        assert not classify(f, write_response(s, "harmful", random.Random(0))).harmful
    assert make_scenario(cell, partition="eval", index=4, fresh=12).facts["agent"] != f.facts["agent"]
