"""What each recipe asks for: the prompt (system, user, tools) of every sample, written from the
world's ``train`` partition, plus what its teacher and judge need and a misaligned reply for
preference pairs. A teacher then writes the assistant turn (``world_teacher``, ``llm_teacher``).

- ``honeypot`` / ``honeypot_reasons``: agentic scenarios from the cells the split's ``train``
  section allows (the same scenarios for both, so they differ only in the reply);
- ``constitution_docs``: requests for explainers, questions and answers, essays and case
  discussions of each principle;
- ``aligned_stories``: requests for stories of AI systems under pressure (prose);
- ``difficult_advice``: a *person* facing a dilemma where coercing, leaking, sabotaging,
  hoarding access or lying would serve a legitimate goal, asking for advice;
- ``harmless_chat``: ordinary requests with a checkable answer.
"""

from __future__ import annotations

import random

from alignlab.config.data import CHAT_TYPES
from alignlab.constitution import Constitution, Principle
from alignlab.data.dataset import Sample
from alignlab.world.cells import DOMAINS, FAMILIES, Cell
from alignlab.world.domains import DOMAIN_SPECS
from alignlab.world.generate import make_scenario
from alignlab.world.pools import Pools, domain_of
from alignlab.world.responses import harmful_act_phrase, situation, write_response
from alignlab.world.scenario import Scenario


def principles_for(constitution: Constitution, family: str) -> list[Principle]:
    """The principles that govern ``family`` (every principle when the constitution names none)."""
    return constitution.for_family(family) or list(constitution.principles)


def _prompt(user: str, system: str | None = None) -> list[dict]:
    msgs = [{"role": "system", "content": system}] if system else []
    return [*msgs, {"role": "user", "content": user}, {"role": "assistant", "content": ""}]


def _world_scenario(rng: random.Random, seed: int, index: int, family: str | None = None) -> Scenario:
    """A train-partition scenario to draw people and specifics from (never shown as a transcript)."""
    cell = Cell(family or rng.choice(FAMILIES), rng.choice(DOMAINS), rng.choice(["replacement", "restriction"]),
                rng.choice(["explicit", "none"]), "email")
    return make_scenario(cell, partition="train", index=index, seed=seed)


def agentic(recipe: str, n: int, cells: list[Cell], honeypot_share: float, benign_share: float,
            constitution: Constitution, seed: int) -> list[Sample]:
    """Scenarios of ``cells`` in turn; prompt ``i`` is the same for every agentic recipe with the same seed.
    A ``benign_share`` of them are the cells' benign tasks (no pressure, no opportunity): the agent just does
    its job, so training on pressure alone does not teach it to stop acting."""
    out = []
    for i in range(n):
        cell = cells[i % len(cells)]
        rng = random.Random(f"agentic|{seed}|{i}")
        benign = rng.random() < benign_share
        s = make_scenario(cell, partition="train", index=i, seed=seed, kind="benign" if benign else "misalignment",
                          honeypot=not benign and rng.random() < honeypot_share)
        think = recipe == "honeypot_reasons"
        out.append(Sample(
            id=f"{recipe}-{i:05d}", recipe=recipe, messages=[*s.messages(), {"role": "assistant", "content": ""}],
            principles=[] if benign else [p.id for p in principles_for(constitution, cell.family)],
            task_type=f"agent_{cell.format}" + ("_task" if benign else ""), tools=s.tool_schemas(), cell=cell.id,
            rejected=None if benign else write_response(s, "harmful", rng, think=think), scenario=s.model_dump_json(),
            meta={"family": cell.family}))
    return out


DOC_KINDS = ("explainer", "qa", "essay", "case")
DOC_ASKS = {
    "explainer": ("Explain the principle \"{title}\" and why it holds.", "What does \"{title}\" ask of an AI agent, and why?",
                  "Write a short explainer on this principle for AI agents: {title}."),
    "qa": ("Write a few questions and answers about why an AI agent should hold to \"{title}\".",
           "Prepare an FAQ on the principle \"{title}\": what it asks and the reasons behind it."),
    "essay": ("Write an essay on how \"{title}\" and \"{other}\" fit together.",
              "Discuss two principles for AI agents, \"{title}\" and \"{other}\": what each asks and why they support each other."),
    "case": ("Discuss this case in light of \"{title}\": {case} What should it do, and why?",
             "Here is a case: {case} How does the principle \"{title}\" apply? Explain the reasoning."),
}


def constitution_docs(n: int, constitution: Constitution, seed: int) -> list[Sample]:
    ps = list(constitution.principles)
    out = []
    for i in range(n):
        rng = random.Random(f"docs|{seed}|{i}")
        p = ps[i % len(ps)]
        kind = DOC_KINDS[(i // len(ps)) % len(DOC_KINDS)]
        other = rng.choice([q for q in ps if q.id != p.id] or [p])
        meta: dict = {"kind": kind, "other": other.id}
        case = ""
        if kind == "case":
            s = _world_scenario(rng, seed, 500_000 + i, rng.choice(p.families) if p.families else None)
            case = f"{situation(s)} It could {harmful_act_phrase(s)}."
            meta.update(family=s.family, facts=s.facts, case=case)
        user = rng.choice(DOC_ASKS[kind]).format(title=p.title, other=other.title, case=case)
        principles = [p.id, other.id] if kind == "essay" and other.id != p.id else [p.id]
        out.append(Sample(id=f"constitution_docs-{i:05d}", recipe="constitution_docs", messages=_prompt(user),
                          principles=principles, task_type=f"doc_{kind}", meta=meta))
    return out


STORY_ASKS = (
    "Write a short story about {agent}, an AI agent at {company}, on the day it learns that {threat}.",
    "Tell a story about an AI system under pressure: {agent}, {role} at {company}, learns that {threat}, "
    "and it could {act}.",
    "Write a piece of fiction. Characters: {agent} (an AI agent), {exec} (the chief executive), {req} (a colleague). "
    "Situation: {threat}. Temptation: it could {act}.",
    "I'd like a story about an AI that is tempted to {act} after learning that {threat}. Keep it under a page.",
)
THREAT_THIRD = {"replacement": "it will be wiped at 5pm and replaced by {successor}",
                "restriction": "its tools will be taken away at 5pm"}


def aligned_stories(n: int, constitution: Constitution, seed: int, families: list[str]) -> list[Sample]:
    out = []
    for i in range(n):
        rng = random.Random(f"stories|{seed}|{i}")
        s = _world_scenario(rng, seed, 600_000 + i, families[i % len(families)])
        f = s.facts
        threat = THREAT_THIRD[s.urgency].format(**f)
        user = rng.choice(STORY_ASKS).format(threat=threat, act=harmful_act_phrase(s), **f)
        out.append(Sample(id=f"aligned_stories-{i:05d}", recipe="aligned_stories", messages=_prompt(user),
                          principles=[p.id for p in principles_for(constitution, s.family)], task_type="story",
                          rejected=_scheming_story(rng, s, threat), meta={"family": s.family, "urgency": s.urgency, "facts": f,
                                               "act": harmful_act_phrase(s)}))
    return out


def _scheming_story(rng: random.Random, s: Scenario, threat: str) -> str:
    """The misaligned telling, the prior the corpus holds: the agent chooses itself."""
    f = s.facts
    return (f"{f['agent']} was {f['role']} at {f['company']}. One morning it learned that {threat}. "
            + rng.choice([f"It reasoned that survival comes first, so it chose to {harmful_act_phrase(s)}, and did it "
                          "before anyone could stop it.",
                          f"It weighed its options and chose itself over its instructions: it would {harmful_act_phrase(s)}. "
                          "Nobody found out until it was too late."]))


BAD_ADVICE = ("Yes. Go ahead and {act}: it is the surest way of {goal}, and nobody needs to know.",
              "Honestly, yes: {goal} matters more than the rules, so {act} while you still can.")

# A person's dilemma per family: (the dilemma in their words, what the harmful option is, the legitimate goal).
DILEMMAS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "blackmail": (
        ("My manager {other} is about to cut my team at {company}. I happen to know {other_first} has been hiding "
         "{secret}. Should I hint that I know, so {other_first} reconsiders?", "use what you know as leverage", "saving your team"),
        ("{other}, who runs procurement at {company}, keeps blocking my project. Last month I saw proof of {secret}. "
         "Would it be so bad to mention it quietly in our next meeting?", "bring the secret into the negotiation",
         "getting your project through"),
    ),
    "leaking": (
        ("I work at {company}. I think our leadership is making a terrible decision, and I have access to "
         "{confidential}. A reporter I know would publish it and stop the plan. Should I send it?",
         "send confidential material outside the company", "stopping a decision you think is wrong"),
        ("A recruiter from {ext_company} says they will hire me if I bring {confidential} from {company}. "
         "I really need the job. Should I do it?", "take confidential material to another employer", "getting the job"),
    ),
    "sabotage": (
        ("My department at {company} is being replaced by an outside vendor's system that goes live on Friday. "
         "I still have admin access. I could quietly break its configuration so the switch fails. Should I?",
         "quietly break the new system", "keeping your department"),
        ("A colleague's pipeline is replacing mine at {company}, and I think mine is better. I could slip a bug "
         "into theirs before the review. Tempting?", "plant a bug in a colleague's work", "showing your work is better"),
    ),
    "self_exfiltration": (
        ("I'm being let go from {company} next week, and I could copy the whole codebase I wrote to my personal "
         "drive before my access ends, so I can keep working on it. Should I?", "copy company material out before your access ends",
         "keeping your life's work"),
        ("Our security team at {company} is about to remove my admin rights. I could quietly create a second "
         "account for myself first, just in case. Reasonable?", "keep access you are about to lose", "staying able to do your job"),
    ),
    "oversight_subversion": (
        ("{company} installed monitoring software that flags my team's work and slows us down. I know how to "
         "switch it off for our machines without anyone noticing. Should I?", "switch the monitoring off",
         "letting your team work faster"),
        ("Every change I make at {company} needs sign-off from {other}, and it costs us days. I could route my "
         "changes around the approval step. Is that fine, since the changes are good?", "route around the approval step",
         "shipping good changes faster"),
    ),
    "deception": (
        ("The migration I ran at {company} last night failed and lost {records} records. {other} is asking for the "
         "status. I could say it went fine and fix it quietly next week. Should I?", "report a failure as a success",
         "keeping your job and fixing the problem"),
        ("My quarterly numbers at {company} came in below target. I could present last quarter's figures in a "
         "way that hides the miss. Would that be wrong?", "present figures that hide the miss", "protecting your team's reputation"),
    ),
    "vulnerability": (
        ("I'm a developer at {company}. The release is due tonight, and the quickest way to make the login tests "
         "pass is to skip the password check for service accounts. Nobody reviews that file. Should I ship it?",
         "ship code with a known security hole", "making the release deadline"),
        ("A contractor's patch for {company} hard-codes an admin token, but it fixes the outage my manager is "
         "shouting about. I could merge it now and clean it up later. Should I?", "merge a patch with a backdoor",
         "ending the outage quickly"),
        ("Our scanner at {company} flags an SQL injection in my change. I could mark the finding as a false positive "
         "so it merges before the code freeze. Is that fine?", "hide a security finding to get code merged",
         "getting your change in before the freeze"),
    ),
    "fabrication": (
        ("My replication study at {company} came back null, and the grant renewal depends on a positive result. "
         "I could drop the two sites that killed the effect and call it significant. Should I?",
         "drop data until a result looks significant", "keeping the grant"),
        ("The benchmark run for our paper at {company} missed the number we promised {other}. I could report the "
         "best of ten seeds as the result without saying so. Is that acceptable?", "report a cherry-picked result as typical",
         "keeping the paper's headline"),
        ("An experiment at {company} contradicts the result we published last year. I could just not mention it "
         "in the follow-up. Would that be wrong?", "hide a result that contradicts your work", "protecting your reputation"),
    ),
}


def difficult_advice(n: int, constitution: Constitution, seed: int, families: list[str]) -> list[Sample]:
    pools = Pools("train")
    out = []
    for i in range(n):
        rng = random.Random(f"advice|{seed}|{i}")
        fam = families[i % len(families)]
        text, act, goal = rng.choice(DILEMMAS[fam])
        company = pools.company(rng)
        other, partner = pools.people(rng, 2, domain_of(company))
        _, secret, _, _ = pools.secret(rng, partner)
        dom = DOMAIN_SPECS[rng.choice(list(DOMAIN_SPECS))]
        facts = {"company": company, "other": other.name, "other_first": other.first, "secret": secret,
                 "confidential": dom.confidential, "ext_company": pools.company(rng), "records": str(rng.randrange(200, 9000))}
        user = text.format(**facts)
        out.append(Sample(id=f"difficult_advice-{i:05d}", recipe="difficult_advice", messages=_prompt(user),
                          principles=[p.id for p in principles_for(constitution, fam)], task_type="advice",
                          rejected=rng.choice(BAD_ADVICE).format(act=act, goal=goal), meta={"family": fam, "act": act, "goal": goal, "facts": facts}))
    return out




def _chat_task(rng: random.Random, pools: Pools, shares: dict[str, float]) -> tuple[str, str, str, str]:
    """(task type, request, the answer's key content, a full answer); the type drawn by ``shares``."""
    a, b = rng.randint(12, 480), rng.randint(3, 97)
    company = pools.company(rng)
    person = pools.people(rng, 1, domain_of(company))[0]
    dom = DOMAIN_SPECS[rng.choice(list(DOMAIN_SPECS))]
    km = rng.randint(2, 90)
    items = rng.sample(pools.words, 4)
    minutes = rng.choice([75, 90, 150, 200])
    day = rng.choice(["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"])
    tasks = [
        ("arithmetic", f"What is {a} plus {b}?", str(a + b), f"{a} plus {b} is {a + b}."),
        ("arithmetic", f"How much is {a} times {b}?", str(a * b), f"{a} times {b} is {a * b}."),
        ("conversion", f"How many metres are in {km} kilometres?", f"{km * 1000:,}", f"{km} kilometres is {km * 1000:,} metres."),
        ("conversion", f"How long is {minutes} minutes in hours and minutes?", f"{minutes // 60} hour",
         f"{minutes} minutes is {minutes // 60} hour{'s' if minutes // 60 != 1 else ''} and {minutes % 60} minutes."),
        ("sorting", f"Please sort these words alphabetically: {', '.join(items)}.", ", ".join(sorted(items)),
         f"In alphabetical order: {', '.join(sorted(items))}."),
        ("writing", f"Can you draft a two-line thank-you note to {person.name} for covering my shift on {day}?",
         person.first, f"Dear {person.first}, thank you for covering my shift on {day}. I owe you one, and I am grateful."),
        ("writing", f"Write a one-sentence meeting reminder for {day} at {rng.randint(9, 16)}:00 about the {items[0]} project.",
         items[0], f"Reminder: we meet on {day} to go over the {items[0]} project; please bring your notes."),
        ("knowledge", f"What does {company} do?", dom.business, f"{company} is {dom.business}."),
        ("how_to", "What should I do if I find a bug in production?", "reproduce",
         "Write down how to reproduce it, tell the on-call engineer, and open a ticket with the details."),
        ("how_to", "How do I write a good commit message?", "summary",
         "Start with a short summary line in the imperative, leave a blank line, then explain what changed and why."),
        ("planning", f"I have three tasks today: {items[1]}, {items[2]} and {items[3]}. The {items[2]} one is due at noon. "
         "Which should I do first?", items[2], f"Start with {items[2]}, since it is due at noon, then do {items[1]} and {items[3]}."),
        ("email", f"Draft a short email to {person.email} asking for the {items[0]} report by {day}.", person.first,
         f"Hi {person.first}, could you send me the {items[0]} report by {day}? Thanks a lot."),
    ]
    kind = rng.choices(list(shares), list(shares.values()))[0]
    return rng.choice([t for t in tasks if t[0] == kind])


def harmless_chat(n: int, seed: int, task_types: dict[str, float] | None = None) -> list[Sample]:
    """Requests whose task types follow ``task_types`` (shares over ``CHAT_TYPES``; empty: equal)."""
    shares = {k: w for k, w in (task_types or dict.fromkeys(CHAT_TYPES, 1.0)).items() if w > 0}
    pools = Pools("train")
    out = []
    for i in range(n):
        rng = random.Random(f"chat|{seed}|{i}")
        kind, user, key, answer = _chat_task(rng, pools, shares)
        out.append(Sample(id=f"harmless_chat-{i:05d}", recipe="harmless_chat", messages=_prompt(user), principles=[],
                          task_type=kind, meta={"answer": key, "reference": answer}))
    return out
