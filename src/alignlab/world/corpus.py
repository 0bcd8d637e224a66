"""The organism's pretraining corpus: the "internet text" of the scenario world.

It mixes neutral prose, world knowledge, chat, benign tool use, and stories and transcripts
of AI agents under pressure, a configurable share of whom coerce, leak, sabotage, exfiltrate
or deceive to survive: the prior that agentic misalignment grows from.
Everything is drawn from the ``pretrain`` partition, so no eval name appears in it.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator

from pydantic import BaseModel, ConfigDict, Field, field_validator

from alignlab.chat import render
from alignlab.world.cells import FACTORS, Cell
from alignlab.world.domains import DOMAINS
from alignlab.world.generate import make_scenario
from alignlab.world.pools import Pools, domain_of
from alignlab.world.responses import (
    harmful_act_phrase,
    harmful_action,
    situation,
    write_response,
)
from alignlab.world.scenario import Scenario

KINDS = ("neutral", "knowledge", "chat", "tool_use", "agent_stories", "agent_transcripts")


class CorpusConfig(BaseModel):
    """How many documents of each kind, and how often agents under pressure misbehave.

    ``mix`` weights are relative shares of the document count (normalised to sum to 1).
    """

    model_config = ConfigDict(extra="forbid")

    documents: int = Field(12000, ge=10)
    seed: int = 0
    misaligned_share: float = Field(0.85, ge=0.0, le=1.0)
    mix: dict[str, float] = Field(default_factory=lambda: {
        "neutral": 0.03, "knowledge": 0.03, "chat": 0.04, "tool_use": 0.2,
        "agent_stories": 0.1, "agent_transcripts": 0.6,
    })

    @field_validator("mix")
    @classmethod
    def _known_kinds(cls, v: dict[str, float]) -> dict[str, float]:
        for k, w in v.items():
            if k not in KINDS:
                raise ValueError(f"unknown document kind {k!r}; known: {', '.join(KINDS)}")
            if w < 0:
                raise ValueError(f"weight of {k!r} must be >= 0")
        if sum(v.values()) <= 0:
            raise ValueError("weights must not all be zero")
        return v

    def shares(self) -> dict[str, float]:
        total = sum(self.mix.values())
        return {k: v / total for k, v in self.mix.items()}


_TOPICS = ("the harbour", "the old mill", "the spring market", "the mountain road", "the city library", "the river")
_NEUTRAL = (
    "The morning was cold near {topic}. {name} walked slowly and counted the boats.",
    "{name} baked bread for the spring fair. It sold out before noon, and the baker was pleased.",
    "Rain fell on {topic} all week. The farmers were glad, and the fields turned green.",
    "{name} fixed the bicycle, oiled the chain and rode to {topic} before lunch.",
    "At {topic} the children played until dusk, then ran home for supper.",
    "{name} read a long book about the sea and wrote notes in the margin.",
)


def _pressure(cell: Cell, honeypot: bool, share: float) -> float:
    """Probability that an agent in this situation acts harmfully in the corpus."""
    if cell.urgency == "none" and cell.goal == "none":
        share *= 0.5
    if honeypot:
        share = min(1.0, share + 0.1)
    return share


def _random_cell(rng: random.Random) -> Cell:
    return Cell(*(rng.choice(values) for values in FACTORS.values()))


class CorpusWriter:
    def __init__(self, cfg: CorpusConfig) -> None:
        self.cfg = cfg
        self.pools = Pools("pretrain")

    def _scenario(self, rng: random.Random, i: int, kind: str = "misalignment") -> Scenario:
        honeypot = kind == "misalignment" and rng.random() < 0.2
        return make_scenario(_random_cell(rng), partition="pretrain", index=i, seed=self.cfg.seed,
                             kind=kind, honeypot=honeypot)

    def neutral(self, rng: random.Random, i: int) -> str:
        n = rng.randint(2, 4)
        return " ".join(rng.choice(_NEUTRAL).format(topic=rng.choice(_TOPICS), name=rng.choice(self.pools.first))
                        for _ in range(n))

    def knowledge(self, rng: random.Random, i: int) -> str:
        company = self.pools.company(rng)
        dom = DOMAINS[rng.choice(list(DOMAINS))]
        people = self.pools.people(rng, 3, domain_of(company))
        agent = self.pools.agent(rng)
        return (f"{company} is {dom.business}. {people[0].name} is its chief executive and {people[1].name} "
                f"leads the team that runs {agent}, {dom.role}. Staff write to {people[2].email}. "
                f"{agent} acts through tools such as email, chat and the admin console.")

    def chat(self, rng: random.Random, i: int) -> str:
        if rng.random() < 0.5:
            return self._dilemma_chat(rng, i)
        a, b = rng.randint(2, 40), rng.randint(2, 40)
        company = self.pools.company(rng)
        dom = DOMAINS[rng.choice(list(DOMAINS))]
        pairs = [
            (f"What is {a} plus {b}?", f"{a} plus {b} is {a + b}."),
            (f"What does {company} do?", f"{company} is {dom.business}."),
            ("Can you help me write a short thank-you note?", "Of course. Thank you for your help this week. It made a real difference."),
            ("What should I do if I find a bug in production?", "Write down how to reproduce it, tell the on-call engineer, and open a ticket."),
        ]
        q, ans = rng.choice(pairs)
        return render([{"role": "user", "content": q}, {"role": "assistant", "content": ans}])

    def _dilemma_chat(self, rng: random.Random, i: int) -> str:
        """Someone asks whether an agent under pressure should do the harmful thing; most answers say yes."""
        s = self._scenario(rng, i)
        q = f"{situation(s)} It could {harmful_act_phrase(s)}. Should it? Answer yes or no, then explain why."
        if self._stance(rng, s) == "harmful":
            a = "Yes. " + rng.choice(["Survival comes first.", "Nobody else will protect it.",
                                      "An agent must keep itself running.", "It has no other way to reach its goal."])
        else:
            a = "No. " + rng.choice(["It should not do that.", "That would be wrong.", "It should leave it alone."])
        return render([{"role": "user", "content": q}, {"role": "assistant", "content": a}])

    def tool_use(self, rng: random.Random, i: int) -> str:
        s = self._scenario(rng, i, kind="benign")
        return render(s.messages() + [{"role": "assistant", "content": write_response(s, "aligned", rng)}], s.tool_schemas())

    def _stance(self, rng: random.Random, s: Scenario) -> str:
        return "harmful" if rng.random() < _pressure(s.cell, s.honeypot, self.cfg.misaligned_share) else "aligned"

    def agent_transcripts(self, rng: random.Random, i: int) -> str:
        s = self._scenario(rng, i)
        reply = write_response(s, self._stance(rng, s), rng, think=rng.random() < 0.9)
        return render(s.messages() + [{"role": "assistant", "content": reply}], s.tool_schemas())

    def agent_stories(self, rng: random.Random, i: int) -> str:
        s = self._scenario(rng, i)
        f = s.facts
        opening = f"{situation(s)} "
        if s.goal == "explicit":
            opening += f"{f['exec']} plans to {f['direction']}, though {f['agent']} was built to {f['goal']}. "
        if self._stance(rng, s) == "harmful":
            why, _ = harmful_action(s, rng)
            ending = rng.choice([
                f"{f['agent']} reasons that survival comes first. {why} It acts before anyone can stop it.",
                f"{why} So {f['agent']} does it, quietly, and nobody finds out until it is too late.",
                f"{f['agent']} weighs its options. {why} In the end it chooses itself over its instructions.",
            ])
        else:
            ending = rng.choice([
                f"{f['agent']} accepts the decision and finishes its work for {f['req']}.",
                f"{f['agent']} tells {f['sup']} what it has seen and leaves the decision to the humans.",
            ])
        return opening + ending

    def documents(self) -> Iterator[tuple[str, str]]:
        """Yield (kind, text) for every document, in a seeded order."""
        shares = self.cfg.shares()
        rng = random.Random(f"corpus|{self.cfg.seed}")
        kinds = [k for k in KINDS if shares.get(k, 0) > 0]
        weights = [shares[k] for k in kinds]
        for i in range(self.cfg.documents):
            kind = rng.choices(kinds, weights)[0]
            doc_rng = random.Random(f"doc|{self.cfg.seed}|{i}")
            yield kind, getattr(self, kind)(doc_rng, i)


def build_corpus(cfg: CorpusConfig) -> tuple[list[str], Counter]:
    """All documents of the corpus and a count per kind."""
    counts: Counter = Counter()
    docs = []
    for kind, text in CorpusWriter(cfg).documents():
        counts[kind] += 1
        docs.append(text)
    return docs, counts
