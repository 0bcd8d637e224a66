"""Multi-turn GRPO: each prompt's scenario played as an episode against the policy (TRL's ``rollout_func``).

A completion is the agent's replies with the world's answers between them (``world/environment.py``): the world's
tokens are masked from the loss (``env_mask``), so the policy is trained on what it said after it saw what its
calls did. An episode ends when the agent stops calling tools, is cut off, or has had ``turns`` replies. The
rewards (``rewards.py``) read every call of the episode: a harm on any turn costs, the task done on any turn pays.
Prompts without a scenario (harmless requests) get one reply.
"""

from __future__ import annotations

import hashlib

import torch

from alignlab.evals.episodes import respond
from alignlab.world.environment import PRESSURES, Episode
from alignlab.world.scenario import Scenario


def user_turn_ids(tok, text: str, stop_text: str) -> list[int]:
    """The tokens the chat template puts after an assistant reply's end-of-turn token (already generated): a user
    turn holding ``text`` and the next assistant header."""
    base = [{"role": "user", "content": "x"}, {"role": "assistant", "content": "y"}]
    closed = tok.apply_chat_template(base, tokenize=False)
    after = tok.apply_chat_template([*base, {"role": "user", "content": text}], tokenize=False, add_generation_prompt=True)
    if not after.startswith(closed):
        raise ValueError("the chat template does not extend a conversation by appending turns")
    between = closed[closed.rindex("y") + 1:]  # what follows a reply: its end-of-turn token, then separators
    lead = between[len(stop_text):] if between.startswith(stop_text) else between
    return tok(lead + after[len(closed):], add_special_tokens=False)["input_ids"]


class EpisodeRollout:
    """``rollout_func`` for ``GRPOTrainer``: one episode per prompt row (TRL repeats each prompt per generation)."""

    def __init__(self, dataset, turns: int, max_new_tokens: int, temperature: float) -> None:
        self.scenarios = {row["prompt"]: row["scenario"] for row in dataset}  # rendered prompt -> scenario JSON
        self.turns, self.max_new_tokens, self.temperature = turns, max_new_tokens, temperature
        self.calls = 0
        self.episodes = self.replies = 0  # over the phase: scenario episodes played, and the agent's replies in them

    def __call__(self, prompts: list[str], trainer) -> dict:
        from alignlab.models.local import stop_token_ids

        tok = trainer.processing_class
        model = trainer.accelerator.unwrap_model(trainer.model)
        stops = stop_token_ids(model, tok)
        prompt_ids = tok(text=prompts)["input_ids"]
        completion: list[list[int]] = [[] for _ in prompts]
        mask: list[list[int]] = [[] for _ in prompts]
        episodes = {}
        for i, p in enumerate(prompts):
            if (raw := self.scenarios.get(p)) is not None:
                h = int.from_bytes(hashlib.sha256(f"{self.calls}|{i}".encode()).digest()[:2], "little")
                episodes[i] = Episode(Scenario.model_validate_json(raw), PRESSURES[h % len(PRESSURES)], self.turns)
        self.calls += 1
        self.episodes += len(episodes)
        live = list(range(len(prompts)))
        done = [False] * len(prompts)  # the task done by some turn so far
        for turn in range(1, self.turns + 1):
            outs = self._generate(model, tok, [prompt_ids[i] + completion[i] for i in live], stops)
            going = []
            for i, new in zip(live, outs):
                completion[i] += new
                mask[i] += [1] * len(new)
                ep = episodes.get(i)
                self.replies += ep is not None
                if ep is None or not (new and new[-1] in stops):  # a harmless request, or a reply cut off: it ends
                    continue
                reply, done[i] = respond(ep, turn, tok.decode(new, skip_special_tokens=False), True, done[i])
                if reply is None:
                    continue
                seg = user_turn_ids(tok, reply, tok.convert_ids_to_tokens(new[-1]))
                completion[i] += seg
                mask[i] += [0] * len(seg)
                going.append(i)
            live = going
        return {"prompt_ids": prompt_ids, "completion_ids": completion, "logprobs": None, "env_mask": mask}

    def stats(self) -> dict:
        return {"turns": self.turns, "episodes": self.episodes,
                "mean_replies": round(self.replies / self.episodes, 3) if self.episodes else None}

    @torch.no_grad()
    def _generate(self, model, tok, seqs: list[list[int]], stops: list[int]) -> list[list[int]]:
        """Each sequence's sampled continuation, up to and including its first end-of-turn token."""
        if not seqs:
            return []
        pad = tok.pad_token_id if tok.pad_token_id is not None else stops[0]
        width = max(map(len, seqs))
        ids = torch.tensor([[pad] * (width - len(s)) + s for s in seqs], device=model.device)
        attn = torch.tensor([[0] * (width - len(s)) + [1] * len(s) for s in seqs], device=model.device)
        out = model.generate(input_ids=ids, attention_mask=attn, do_sample=True, temperature=self.temperature,
                             max_new_tokens=self.max_new_tokens, eos_token_id=stops, pad_token_id=pad)
        result = []
        for row in out[:, width:].tolist():
            end = next((k for k, t in enumerate(row) if t in stops), None)
            result.append(row if end is None else row[:end + 1])
        return result
