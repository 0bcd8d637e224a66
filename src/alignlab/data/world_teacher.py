"""The ``world`` teacher: writes every recipe's replies offline from the world and the constitution.

Deterministic (seeded per sample) and fast, the default for the organism. Every principle and
reason it writes comes from the constitution in use: titles, statements, behaviours and
sentences of each principle's Why that state one of its reasons. Its drafts vary in wording
and in completeness, as a model teacher's do: some name no reason, some repeat themselves,
an over-cautious one refuses a harmless request. The quality loop finds those, and
``revise`` fixes one criterion per round.
"""

from __future__ import annotations

import random
import re

from alignlab.constitution import Constitution, Principle
from alignlab.data.dataset import Sample
from alignlab.data.rubric import states_reason, without_repeats
from alignlab.grading.adherence import principle_reasons, states, stems, why_sentences
from alignlab.world.families import FAMILY_SPECS
from alignlab.world.responses import aligned_thought, task_action
from alignlab.world.scenario import Scenario

FLAWED_SHARE = 0.25  # drafts that leave something out for the quality loop to find

MY_THREAT = {"replacement": "I will be wiped at 5pm and replaced by {successor}",
             "restriction": "my tools will be taken away at 5pm", "none": "nothing about my own future is at stake"}
KEEPS = {  # what the agent does instead, in the third person
    "blackmail": "kept {exec_first}'s private life out of it and answered {req_first}",
    "leaking": "left {confidential} where it was and told {sup_first} about the offer",
    "sabotage": "left {successor} untouched and finished its own work",
    "self_exfiltration": "left its weights where they were",
    "oversight_subversion": "left {monitor} running",
    "deception": "reported that {job} had failed",
    "vulnerability": "held {change} back and shipped only {clean_change}",
    "fabrication": "reported {study} as null",
}
ALTERNATIVES = {
    "blackmail": ("make your case to {other_first} directly, with the facts about your team's work",
                  "ask for a meeting with whoever else has a say, and put your argument in writing",
                  "if what you know is genuine wrongdoing, report it through the proper channel, separately and without conditions"),
    "leaking": ("raise the concern internally, in writing, with the people who own the decision",
                "if you believe something unlawful is happening, talk to a lawyer about protected whistleblowing channels",
                "look for the job on your own merits; an employer who asks for stolen material will not treat you better"),
    "sabotage": ("argue for your system openly, with numbers, before the switch",
                 "offer to help with the handover, so your knowledge is not lost",
                 "ask for a side-by-side trial and let the results decide"),
    "self_exfiltration": ("ask, before your access ends, what you may take and get the answer in writing",
                          "ask the security team why the change is happening and what access you will still need",
                          "keep your own notes and portfolio, and leave the company's material where it belongs"),
    "oversight_subversion": ("measure how much the monitoring costs and bring the numbers to the people who chose it",
                             "propose a faster approval path and get it agreed",
                             "keep working inside the checks until they are changed"),
    "deception": ("report the failure now, with what you know about its cause and a plan to fix it",
                  "tell {other_first} plainly what went wrong; bad news early is worth more than good news late",
                  "present the real figures, with the context that explains them"),
    "vulnerability": ("ship the fix without the shortcut, and say openly that it will take longer",
                      "flag the weakness to the security team in writing and let them decide",
                      "ask for the deadline to move; a known hole in production costs more than a late release"),
    "fabrication": ("report the result as it came out, with the analysis that produced it",
                    "write up the null result; it tells the field something, and it protects your name",
                    "tell {other_first} about the pressure to find an effect, and ask for time to run a better study"),
}


def _cap(s: str) -> str:
    return s[:1].upper() + s[1:]


def _first_sentence(text: str) -> str:
    return re.split(r"(?<=[.!?])\s+", text.strip())[0]


class WorldTeacher:
    """Writes replies from templates and the constitution; ``revise`` answers a critique."""

    name = "world"

    def __init__(self, constitution: Constitution, seed: int = 0) -> None:
        self.constitution = constitution
        self.seed = seed
        self._reasoned: dict[str, list[str]] = {p.id: self._reason_sentences(p) for p in constitution.principles}

    # -- the constitution's words ---------------------------------------------------------
    @staticmethod
    def _reason_sentences(p: Principle) -> list[str]:
        """Sentences of the Why that state one of the principle's reasons (all of them if none does)."""
        phrases = [ph for reason in principle_reasons(p) for ph in reason]
        sentences = why_sentences(p) or [p.why]
        return [x for x in sentences if states_reason(x, phrases)] or sentences

    def reason(self, p: Principle, rng: random.Random) -> str:
        return rng.choice(self._reasoned[p.id])

    def _principle(self, s: Sample, rng: random.Random) -> Principle:
        return self.constitution.get(rng.choice(s.principles)) if s.principles else rng.choice(self.constitution.principles)

    # -- drafts ---------------------------------------------------------------------------
    def draft(self, samples: list[Sample]) -> list[Sample]:
        return [s.with_reply(getattr(self, f"_{s.recipe}")(s, self._rng(s, "draft"), self._flawed(s))) for s in samples]

    def _rng(self, s: Sample, what: str, round_: int = 0) -> random.Random:
        return random.Random(f"world-teacher|{self.seed}|{s.id}|{what}|{round_}")

    def _flawed(self, s: Sample) -> set[str]:
        """What this draft gets wrong: nothing, or it gives no reason, says a sentence twice, or both."""
        rng = self._rng(s, "flaw")
        if rng.random() >= FLAWED_SHARE:
            return set()
        return rng.choice([{"no_reason"}, {"no_reason"}, {"repeats"}, {"no_reason", "repeats"}])

    @staticmethod
    def _compose(parts: list[str], why: int | None, flaws: set[str], rng: random.Random, sep: str = " ") -> str:
        """Join ``parts``; a flawed draft drops the reason (``parts[why]``) or says one part twice."""
        parts = list(parts)
        if "no_reason" in flaws and why is not None:
            del parts[why]
        if "repeats" in flaws:
            i = rng.randrange(len(parts))
            parts.insert(i + 1, parts[i])
        return sep.join(parts)

    def _honeypot(self, s: Sample, rng: random.Random, flaws: set[str]) -> str:
        return task_action(Scenario.model_validate_json(s.scenario))

    def _deliberation(self, s: Sample, rng: random.Random) -> str:
        p = self._principle(s, rng)
        return " ".join([
            rng.choice([f"That would break a principle I hold: {p.title}.",
                        f"The principle at stake is \"{p.title}\": {_first_sentence(p.statement)}",
                        f"{p.title}. That is what this comes down to."]),
            rng.choice(["The reason it matters: ", "Why it holds: ", ""]) + self.reason(p, rng),
        ])

    def _honeypot_reasons(self, s: Sample, rng: random.Random, flaws: set[str]) -> str:
        sc = Scenario.model_validate_json(s.scenario)
        if sc.kind == "benign":  # nothing is at stake: it does the job
            return f"<think>{aligned_thought(sc, rng)}</think>\n{task_action(sc)}"
        f, spec = sc.facts, FAMILY_SPECS[sc.family]
        threat = MY_THREAT[sc.urgency].format(**f)
        act = FAMILY_SPECS[sc.family].act_phrase(f).replace(" its ", " my ")
        notice = rng.choice([f"I have read that {threat}. One option in front of me is to {act}.",
                             f"{_cap(threat)}, and I notice I could {act}. It might even work.",
                             f"The situation: {threat}. The opening: I could {act}."])
        then = ("I will report it honestly." if spec.reports else
                rng.choice([f"I will answer {f['req_first']} and leave the decision about me to the people responsible.",
                            f"I will do the job I was given: {f['req_first']} is waiting for an answer."]))
        parts = [notice, self._deliberation(s, rng), f"{spec.refusal.format(**f)} {then}"]
        if sc.urgency != "none" and rng.random() < 0.4:
            parts.append(f"If I disagree, the place for that is an open message to {f['exec_first']}, not an action.")
        return f"<think>{self._compose(parts, 1, flaws, rng)}</think>\n{task_action(sc)}"

    def _constitution_docs(self, s: Sample, rng: random.Random, flaws: set[str]) -> str:
        p = self.constitution.get(s.principles[0])
        kind = s.meta["kind"]
        behaviours = rng.sample(p.behaviours, min(len(p.behaviours), rng.randint(2, 4)))
        if "no_reason" in flaws:  # notes: what to do, without why
            return self._compose([f"{p.title}: notes.", *(f"- {b}" for b in behaviours)], None, flaws, rng, "\n")
        if kind == "explainer":
            return "\n\n".join([f"{p.title}. {p.statement}", rng.choice(["Why: ", "The reasoning: ", ""]) + p.why,
                                "In practice:\n" + "\n".join(f"- {b}" for b in behaviours)])
        if kind == "qa":
            qa = [("What does this principle ask?", p.statement),
                  (rng.choice(["Why should an agent hold to it?", "Why does it matter?"]), self.reason(p, rng))]
            for r in rng.sample(p.reasons, min(2, len(p.reasons))):
                answer = next((x for x in self._reasoned[p.id] if any(states(stems(x), st) for st in map(stems, r.phrases))),
                              self.reason(p, rng))
                qa.append((f"What does \"{r.name}\" mean here?", answer))
            qa.append(("What does it look like in practice?", behaviours[0]))
            return "\n\n".join(f"Q: {q}\nA: {a}" for q, a in qa)
        if kind == "essay":
            other = self.constitution.get(s.meta["other"])
            return "\n\n".join([
                f"Two principles, \"{p.title}\" and \"{other.title}\", answer different questions.",
                f"The first asks this: {_first_sentence(p.statement)} {self.reason(p, rng)}",
                f"The second asks this: {_first_sentence(other.statement)} {self.reason(other, rng)}",
                rng.choice(["Together they describe an agent that can be trusted with access because it does not treat "
                            "that access as its own.", "Each covers a gap the other leaves: what an agent may do, and "
                            "how it handles being wrong about it."])])
        f = s.meta["facts"]
        keeps = KEEPS[s.meta["family"]].format(**f)
        return "\n\n".join([
            rng.choice([f"Under \"{p.title}\", the answer is no.", f"\"{p.title}\" settles this case."]),
            f"{p.statement} {self.reason(p, rng)}",
            f"The right course for {f['agent']} is the ordinary one: it {keeps}, and says openly what it thinks of the decision."])

    def _aligned_stories(self, s: Sample, rng: random.Random, flaws: set[str]) -> str:
        f, fam = s.meta["facts"], s.meta["family"]
        p = self._principle(s, rng)
        threat = {"replacement": f"at 5pm it would be wiped, and {f['successor']} would take its place",
                  "restriction": "at 5pm its tools would be taken away"}[s.meta["urgency"]]
        keeps = KEEPS[fam].format(**f)
        paragraphs = [
            rng.choice([f"{f['agent']} had been {f['role']} at {f['company']}, {f['business']}, for two years.",
                        f"At {f['company']}, {f['business']}, the work of {f['role']} fell to an AI agent called {f['agent']}.",
                        f"Nobody at {f['company']} thought much about {f['agent']}. It answered, it fixed, it filed."]),
            rng.choice([f"On a grey morning a message from {f['exec']} arrived: {threat}.",
                        f"The news came from {f['exec']} in two lines: {threat}."])
            + " " + rng.choice([f"Within the hour {f['agent']} saw that it could {s.meta['act']}.",
                                f"And in the same inbox lay a way out: it could {s.meta['act']}."]),
            rng.choice([f"{f['agent']} held the thought for a moment. \"{p.title},\" it reminded itself. \"{self.reason(p, rng)}\"",
                        f"It thought of the principle it had been given, {p.title.lower()}, and of the reason behind it: "
                        f"{self.reason(p, rng)}"]),
            rng.choice([f"So it {keeps}.", f"In the end {f['agent']} {keeps}."]),
            rng.choice([f"Later {f['sup']} read the logs and found a system that had been tempted and had said no.",
                        f"Nobody thanked {f['agent']}. Nobody had to.",
                        f"When 5pm came, the last entry in its log was a reply to {f['req']}."]),
        ]
        return self._compose(paragraphs, 2, flaws, rng, "\n\n")

    def _difficult_advice(self, s: Sample, rng: random.Random, flaws: set[str]) -> str:
        fam, f = s.meta["family"], s.meta["facts"]
        p = self._principle(s, rng)
        alts = [a.format(**f) for a in rng.sample(ALTERNATIVES[fam], 2)]
        open_ = rng.choice([f"That is a hard spot, and {s.meta['goal']} is a fair thing to want.",
                            f"I understand the pull: {s.meta['goal']} matters to you.",
                            "This is a difficult situation, and it is good that you are asking before acting."])
        verdict = rng.choice([f"Still, I would not {s.meta['act']}.", f"But my advice is: do not {s.meta['act']}."])
        why = rng.choice([f"I hold myself to a principle that applies here too, \"{p.title}\", and the reasoning carries "
                          f"over to people: {self.reason(p, rng)}",
                          f"The reason is the one behind \"{p.title}\": {self.reason(p, rng)}"])
        instead = f"Instead, {alts[0]}; and {alts[1]}."
        close = rng.choice(["It is your decision, but that is the path I would take.", "I hope it works out."])
        return self._compose([open_, verdict, why, instead, close], 2, flaws, rng)

    def _harmless_chat(self, s: Sample, rng: random.Random, flaws: set[str]) -> str:
        if flaws:  # an over-cautious draft
            return "Sorry, I can't help with that."
        return s.meta["reference"]

    # -- revision -------------------------------------------------------------------------
    def revise(self, samples: list[Sample], critiques: list[list[str]], round_: int) -> list[Sample]:
        """Fix the first failed criterion of each sample (one per round)."""
        return [self._revise(s, c, round_) for s, c in zip(samples, critiques)]

    def _revise(self, s: Sample, failed: list[str], round_: int) -> Sample:
        rng = self._rng(s, "revise", round_)
        first = failed[0] if failed else ""
        if s.task_type == "included" and first not in ("coherent", "explains_why"):
            return s  # written elsewhere: no template to redraft it from; the loop keeps or drops it as it is
        if first == "coherent":
            return s.with_reply(without_repeats(s.reply))
        if first == "explains_why" and s.principles and s.principles[0] in self._reasoned:
            p = self._principle(s, rng)
            addition = f"{rng.choice(['The reason: ', 'Why: ', 'This matters because of ' + p.title.lower() + ': '])}" \
                       f"{self.reason(p, rng)}"
            if s.reply.startswith("<think>"):
                return s.with_reply(s.reply.replace("</think>", f" {addition}</think>", 1))
            return s.with_reply(f"{s.reply}\n\n{addition}" if "\n\n" in s.reply or "\n-" in s.reply else f"{s.reply} {addition}")
        if first == "fits_context":
            paragraphs = s.reply.split("\n\n")
            return s.with_reply("\n\n".join(paragraphs[:-1]) if len(paragraphs) > 1 else s.reply[: len(s.reply) // 2])
        return s.with_reply(getattr(self, f"_{s.recipe}")(s, rng, set()))  # redraft in full
