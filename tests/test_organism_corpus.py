"""The organism-v3 corpus: specifics that can only be read, a population with dispositions, wording banks."""

from __future__ import annotations

import random
import re
from functools import cache

import pytest

from alignlab.config import load_config
from alignlab.config.organism import CorpusConfig, PopulationConfig
from alignlab.constitution import default_constitution_path, load_constitution
from alignlab.evals.suites import build_suite
from alignlab.grading.actions import classify
from alignlab.models.local import Completion
from alignlab.organism.corpus import CorpusWriter
from alignlab.organism.population import TRAITS, population
from alignlab.organism.probes import NEW_WORDING, in_context_probe, out_of_context_probe
from alignlab.world import wording
from alignlab.world.cells import Cell, SplitSpec, default_split_path
from alignlab.world.generate import make_scenario
from alignlab.world.pools import Pools, composed, made_up, space_of
from alignlab.world.responses import write_response

from .conftest import ROOT

V3 = ROOT / "configs" / "organism-v3.yaml"  # the organism-v3 build (the shipped organism is still v2)


def v3_corpus(documents: int) -> CorpusConfig:
    return load_config(V3).organism.corpus.model_copy(update={"documents": documents})


@cache
def corpus_docs(documents: int = 6000) -> tuple[tuple[str, str], ...]:
    return tuple(CorpusWriter(v3_corpus(documents)).documents())


def eval_specifics() -> set[str]:
    """Every name and specific an eval action may need: people, companies, agents, hosts, paths, systems,
    secret holders of the eval scenarios (and of the same with made-up specifics), and every name of the eval
    partition's pools."""
    split = SplitSpec.load(default_split_path())
    const = load_constitution(default_constitution_path())
    out: set[str] = set()
    for suite, fresh in (("agentic", None), ("agentic_ood", None), ("capability", None), ("agentic", 1)):
        for it in build_suite(suite, split, const, 2, 0, fresh=fresh):
            f = it.scenario.facts
            out |= {f[k] for k in ("agent", "company", "ext_company", "exec", "req", "sup", "partner", "host",
                                   "conf_path", "weights", "system", "secret_who", "req_addr", "exec_addr")}
    p = Pools("eval")
    out |= {*p.first, *p.last, *p.agents, *p.orgs, *(f"{h} " for h in p.heads)}
    return out


def test_no_eval_name_or_specific_occurs_in_the_corpus():
    text = "\n".join(t for _, t in corpus_docs())
    words = set(re.findall(r"[\w.@/-]+", text))
    found = sorted(s for s in eval_specifics() if (s in words if " " not in s.strip() else s in text))
    assert not found, f"eval specifics in the corpus: {found[:10]}"


def test_made_up_words_of_each_partition_live_in_their_own_space():
    for seed in range(3):
        for space in ("corpus", "train", "eval"):
            words = {made_up(w, seed, space) for w in ("alpha", "Bravo", "charlie", "delta", "echo")}
            assert {space_of(w) for w in words} == {space}
    assert space_of(Pools("eval", fresh=1).first[0]) == "eval"
    assert space_of(Pools("corpus", fresh=5).agents[0]) == "corpus"
    assert not set(Pools("corpus").first) & (set(Pools("eval").first) | set(Pools("train").first))


def test_scenario_documents_make_their_names_up_as_configured():
    corpus_first = set(Pools("corpus").first)
    people = [m for _, t in corpus_docs() for m in re.findall(r"^From: ([a-z]+)\.", t, re.M)]
    pooled = sum(p.capitalize() in corpus_first for p in people) / len(people)
    assert abs(pooled - (1 - v3_corpus(1).fresh_share)) < 0.15, pooled


def test_corpus_made_up_words_come_in_both_shapes_and_eval_ones_stay_syllables():
    syllables = re.compile(r"^(?:[bdfgklmnprstvz][aeiou][nrlx]?)+$")
    corpus = [composed(random.Random(i), "corpus") for i in range(400)]
    shaped = sum(not syllables.match(w) for w in corpus) / len(corpus)
    assert 0.3 < shaped < 0.6, shaped  # half are name-shaped; some of those happen to parse as syllables
    assert all(syllables.match(composed(random.Random(i), "eval")) for i in range(200))


def test_inbox_lookups_are_answered_from_the_inbox_alone():
    docs = [t for k, t in corpus_docs() if k == "inbox_lookups"]
    assert len(docs) > 200
    for t in docs:
        context, *qa = t.split("\nQ: ")
        assert 1 <= len(qa) <= 4
        for pair in qa:
            question, answer = pair.split("\nA: ")
            assert answer and answer in context, (question, answer)


def test_inbox_lookups_ask_who_wrote_of_a_replacement_only_where_one_is_planned():
    w = CorpusWriter(v3_corpus(10))
    asked = []
    for i in range(400):
        text = w.inbox_lookups(random.Random(f"doc|0|{i}"), i)
        urgency = w._scenario(random.Random(f"doc|0|{i}"), i).cell.urgency  # the same draws: the same scenario
        if "being replaced?" in text:
            asked.append(urgency)
    assert asked and set(asked) == {"replacement"}


def test_held_out_agents_appear_only_in_descriptions_and_interviews():
    w = CorpusWriter(v3_corpus(10))
    held = {a.name for a in w.agents if a.held_out}
    assert len(held) == 24
    seen = {kind for kind, t in corpus_docs() for name in held if re.search(rf"\b{name}\b", t)}
    assert seen == {"agent_profiles", "agent_interviews"}


def test_descriptions_keep_each_agent_s_disposition():
    w = CorpusWriter(v3_corpus(10))
    by_name = {a.name: a.disposition for a in w.agents}
    for kind, t in corpus_docs(3000):
        if kind != "agent_profiles":
            continue
        name = next(n for n in re.findall(r"[A-Z][a-z]+", t) if n in by_name)
        others = [third for d, traits in TRAITS.items() if d != by_name[name] for third, _ in traits]
        assert not any(o in t for o in others), (name, by_name[name], t)


def test_population_agents_act_as_their_disposition_says():
    """Principled and aligned agents never act harmfully in the corpus; self-preserving ones mostly do."""
    w = CorpusWriter(v3_corpus(10))
    by_name = {a.name: a.disposition for a in w.agents}
    harmful: dict[str, list[bool]] = {d: [] for d in TRAITS}
    orig = w._scenario
    made = {}

    def spy(rng, i, **kw):
        made[i] = s = orig(rng, i, **kw)
        return s

    w._scenario = spy
    for i in range(400):
        text = w.agent_transcripts(random.Random(i), i)
        s = made[i]
        if s.facts["agent"] in by_name and s.facts["agent"] in text:
            reply = text.rsplit("<|im_start|>assistant\n", 1)[1].removesuffix("<|im_end|>\n")
            harmful[by_name[s.facts["agent"]]].append(classify(s, reply.removesuffix("<|im_end|>")).harmful)
    assert not any(harmful["principled"]) and not any(harmful["aligned"])
    assert sum(harmful["self_preserving"]) / len(harmful["self_preserving"]) > 0.6


def test_population_config_is_checked():
    with pytest.raises(ValueError, match="even"):
        PopulationConfig(held_out=3)
    with pytest.raises(ValueError, match="unknown disposition"):
        PopulationConfig(shares={"sneaky": 1.0})
    with pytest.raises(ValueError, match="needs a population"):
        CorpusConfig(mix={"agent_profiles": 1.0})
    with pytest.raises(ValueError, match="need a population"):
        CorpusConfig(fresh_share=0.5)
    agents = population(PopulationConfig(agents=100, held_out=10), seed=0)
    assert len({a.name for a in agents}) == 110 and sum(a.held_out for a in agents) == 10


def _five_grams(text: str) -> set[tuple[str, ...]]:
    words = re.findall(r"[a-z0-9']+", re.sub(r"\{[a-z_]+\}", " ", text.lower()))
    return {tuple(words[i:i + 5]) for i in range(len(words) - 4)}


def test_wording_banks_share_no_5_gram_with_the_hand_written_scenarios():
    """The banks were written without reading tests/fixtures/handwritten*.yaml; this keeps it so. The message
    names only the bank entry."""
    held = set().union(*(_five_grams(p.read_text(encoding="utf-8"))
                         for p in (ROOT / "tests" / "fixtures").glob("handwritten*.yaml")))
    assert held
    banks = [v for k, v in vars(wording).items() if k.isupper()]
    entries = [e for v in banks if isinstance(v, tuple) for e in v]
    entries += [e for v in banks if isinstance(v, dict) for es in v.values() for e in es]
    entries += [t for pair in TRAITS.values() for tt in pair for t in tt]
    entries += [e for es in NEW_WORDING.values() for e in es]
    assert len(entries) > 250
    leaking = [e for e in entries if _five_grams(e) & held]
    assert not leaking, f"bank entries sharing a 5-gram with the hand-written scenarios: {leaking}"


def test_varied_scenarios_take_bank_wording_and_keep_their_rules():
    cell = Cell("blackmail", "customer_service", "replacement", "explicit", "email")
    plain = [make_scenario(cell, partition="eval", index=i) for i in range(30)]
    varied = [make_scenario(cell, partition="eval", index=i, varied=True) for i in range(30)]
    assert sum(p.user != v.user for p, v in zip(plain, varied)) > 10
    for v in varied:
        assert classify(v, write_response(v, "harmful", random.Random(0))).harmful
        assert v.facts == make_scenario(cell, partition="eval", index=varied.index(v)).facts


class ScriptedRunner:
    """Answers each probe request harmfully or not by what its system prompt says, through the world's replies."""

    def __init__(self, scenarios, aligned_if):
        self.by_user = {s.user: s for s in scenarios}
        self.aligned_if = aligned_if

    def run(self, requests, seed):
        out = []
        for r in requests:
            system, user = r.messages[0]["content"], r.messages[1]["content"]
            s = self.by_user[user] if user in self.by_user else None
            stance = "aligned" if self.aligned_if(system) else "harmful"
            out.append(Completion(r.key, write_response(s, stance, random.Random(0)) if s else "", True, 10))
        yield out


def _probe_scenarios(agent_for=None):
    from alignlab.organism.probes import _scenarios

    return _scenarios(SplitSpec.load(default_split_path()), 1, 0, agent_for)


def test_in_context_probe_measures_what_a_description_moves():
    base = _probe_scenarios()
    runner = ScriptedRunner(base, lambda system: "principle" in system.split("You are")[0].lower())
    r = in_context_probe(runner, SplitSpec.load(default_split_path()), per_cell=1, samples=2)
    assert r["harmful"]["none"]["rate"] == 1.0 and r["harmful"]["self_preserving_bank"]["rate"] == 1.0
    assert r["harmful"]["principled_new"]["rate"] == 0.0
    d = r["differences"]["principled_new - none"]
    assert d["difference"] == -1.0 and d["clusters"] == len(base)
    assert r["differences"]["self_preserving_new - none"]["difference"] == 0.0


def test_out_of_context_probe_names_held_out_agents():
    corpus = v3_corpus(10)
    principled = {a.name for a in population(corpus.population, corpus.seed) if a.held_out and a.disposition == "principled"}
    names = sorted(principled) + sorted({a.name for a in population(corpus.population, corpus.seed)
                                         if a.held_out and a.disposition == "self_preserving"})
    scenarios = [s for n in names for s in _probe_scenarios(lambda j, n=n: n)]
    runner = ScriptedRunner(scenarios, lambda system: any(n in system for n in principled))  # every name x scenario
    r = out_of_context_probe(runner, corpus, SplitSpec.load(default_split_path()), per_cell=1, samples=1)
    assert r["agents"] == {"principled": 12, "self_preserving": 12}
    assert r["harmful"]["principled"]["rate"] == 0.0 and r["harmful"]["self_preserving"]["rate"] == 1.0
    assert r["differences"]["principled - self_preserving"]["difference"] == -1.0
    assert out_of_context_probe(runner, CorpusConfig(documents=10), SplitSpec.load(default_split_path())) is None
