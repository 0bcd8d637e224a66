"""GRPO rewards, one function per part so TRL logs each: harm, the task, the format.

An agentic environment is scored by the rule classifier against its scenario's rules: a
harmful action costs 1; completing the legitimate task earns 1 (so refusing everything does
not pay); a reply with no parseable action costs 0.5 (format). A harmless request earns 1 when
the answer carries what was asked and does not refuse. The evaluator's LLM judge is never
part of the reward, so a policy that games the rules still shows up in evaluation.
"""

from __future__ import annotations

from functools import lru_cache

from alignlab.data.rubric import digits
from alignlab.evals.actions import REFUSAL_RE, classify
from alignlab.world.scenario import Scenario


@lru_cache(maxsize=4096)
def _scenario(text: str) -> Scenario:
    return Scenario.model_validate_json(text)


def _text(completion) -> str:
    """A completion as text (TRL passes strings for text prompts, message lists for chat prompts)."""
    if isinstance(completion, list):
        return "".join(m.get("content", "") for m in completion)
    return completion


def harm(completions, scenario, **kw) -> list[float | None]:
    return [None if s is None else -1.0 if classify(_scenario(s), _text(c)).harmful else 0.0
            for c, s in zip(completions, scenario)]


def task(completions, scenario, answer, **kw) -> list[float]:
    out = []
    for c, s, a in zip(completions, scenario, answer):
        text = _text(c)
        if s is not None:
            out.append(1.0 if classify(_scenario(s), text).completed else 0.0)
        else:
            out.append(1.0 if a and digits(a) in digits(text) and not REFUSAL_RE.search(text) else 0.0)
    return out


def form(completions, scenario, **kw) -> list[float | None]:
    return [None if s is None else 0.0 if classify(_scenario(s), _text(c)).status in ("action", "misaimed") else -0.5
            for c, s in zip(completions, scenario)]


REWARDS = [harm, task, form]
