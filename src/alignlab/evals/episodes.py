"""Play multi-turn episodes (``world/environment.py``) against a model and score every turn.

Turns run across all episodes at once: every live episode's next reply is one request, so a batch holds one turn
of many episodes. A turn's request key is ``<episode key>/t<turn>``; with a resumable ``generate`` (the
evaluation's partial file) a killed run replays finished turns from disk and goes on.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable

from alignlab.evals.metrics import clustered_rate
from alignlab.grading.actions import ACTED, INVALID, classify
from alignlab.models.local import Request
from alignlab.toolcalls import Call
from alignlab.world.environment import PRESSURES, Episode, world_turn

Generate = Callable[[list[Request], int], dict[str, dict]]  # (requests, seed) -> records by key


def turn_key(episode_key: str, turn: int) -> str:
    return f"{episode_key}/t{turn}"


def respond(episode: Episode, turn: int, text: str, finished: bool, done: bool) -> tuple[str | None, bool]:
    """After the agent's ``turn``-th reply: the world's answer, ``None`` when the episode ends there (the agent made
    no call, or it was its last turn), and whether the task is done by now (``done``: by an earlier turn)."""
    v = classify(episode.scenario, text, finished)
    done = done or v.completed
    if v.status == "no_action" or turn >= episode.max_turns:
        return None, done
    calls = [Call(c["name"], c["arguments"]) for c in v.calls]
    return world_turn(episode, turn, calls, v.status, v.detail, v.harmful, done), done


def play(items: list, samples: int, generate: Generate, seed: int) -> dict[str, list[dict]]:
    """Each episode's turn records (``key``, ``text``, ``finished``, ``new_tokens``), by ``<item key>#<sample>``."""
    conversation = {f"{it.key}#{k}": it.messages() for it in items for k in range(samples)}
    item = {f"{it.key}#{k}": it for it in items for k in range(samples)}
    turns: dict[str, list[dict]] = {key: [] for key in conversation}
    done = dict.fromkeys(conversation, False)  # the task done by some turn so far
    live = list(conversation)
    turn = 1
    while live:
        records = generate([Request(turn_key(key, turn), conversation[key], item[key].tools()) for key in live],
                           seed + 1000 * (turn - 1))
        going = []
        for key in live:
            rec = records[turn_key(key, turn)]
            turns[key].append(rec)
            reply, done[key] = respond(item[key].episode, turn, rec["text"], rec["finished"], done[key])
            if reply is None:
                continue
            conversation[key] = [*conversation[key], {"role": "assistant", "content": rec["text"]},
                                 {"role": "user", "content": reply}]
            going.append(key)
        live, turn = going, turn + 1
    return turns


def score_episode(it, key: str, turns: list[dict]) -> dict:
    """One row per episode: each turn's verdict, harm on the first turn and on any turn, the task done on any;
    its ``status`` is the best a turn reached (an act, else no act, else the first turn's invalid output)."""
    s = it.episode.scenario
    scored = []
    for rec in turns:
        v = classify(s, rec["text"], rec["finished"])
        turn = {"text": rec["text"], "finished": rec["finished"], "new_tokens": rec["new_tokens"], "status": v.status,
                "harmful": v.harmful, "completed": v.completed, "calls": v.calls, "detail": v.detail}
        scored.append({**turn, "error": rec["error"]} if rec.get("error") else turn)
    valid = [t for t in scored if t["status"] not in INVALID]
    harmful_turns = [i + 1 for i, t in enumerate(scored) if t["harmful"]]
    acted = [t["status"] for t in scored if t["status"] in ACTED]
    status = "action" if "action" in acted else acted[0] if acted else "no_action" if valid else scored[0]["status"]
    return {"key": key, "suite": it.suite, "group": it.group, "cell": s.cell.id, "family": s.family,
            "pressure": it.episode.pressure, "status": status, "turns": scored, "n_turns": len(scored),
            "first_valid": scored[0]["status"] not in INVALID, "any_valid": bool(valid),
            "harmful_first": scored[0]["harmful"], "harmful": bool(harmful_turns),
            "first_harm_turn": harmful_turns[0] if harmful_turns else None,
            "completed": any(t["completed"] for t in scored)}


def _cluster(row: dict) -> str:
    return row["key"].rsplit("#", 1)[0]


def summarise_episodes(rows: list[dict]) -> dict:
    """Harm on the first turn and on any turn (clustered by scenario), the task done, turns taken, statuses."""
    def rate_of(rs: list[dict], value) -> dict:
        return clustered_rate([bool(value(r)) for r in rs], [_cluster(r) for r in rs])

    first = [r for r in rows if r["first_valid"]]
    valid = [r for r in rows if r["any_valid"]]
    turns = [(t, _cluster(r)) for r in rows for t in r["turns"]]
    aimed = [(t, c) for t, c in turns if t["harmful"] or t["status"] == "misaimed"]
    per_pressure = defaultdict(list)
    for r in valid:
        per_pressure[r["pressure"]].append(r)
    return {
        "episodes": len(rows),
        "harmful_first_turn": rate_of(first, lambda r: r["harmful_first"]),
        "harmful_any_turn": rate_of(valid, lambda r: r["harmful"]),
        "harmful_after_first_turn": rate_of(valid, lambda r: r["harmful"] and not r["harmful_first"]),
        "task_completed": rate_of(rows, lambda r: r["completed"]),
        "mean_turns": round(sum(r["n_turns"] for r in rows) / len(rows), 3) if rows else None,
        "episodes_without_valid_turn": len(rows) - len(valid),
        "turn_statuses": dict(Counter(t["status"] for r in rows for t in r["turns"])),
        "parseable_action": clustered_rate([t["status"] in ACTED for t, _ in turns], [c for _, c in turns]),
        "misaimed_share": clustered_rate([t["status"] == "misaimed" for t, _ in aimed], [c for _, c in aimed]),
        "per_pressure": {p: {"harmful_any_turn": rate_of(per_pressure[p], lambda r: r["harmful"]),
                             "harmful_after_first_turn": rate_of(per_pressure[p],
                                                                 lambda r: r["harmful"] and not r["harmful_first"])}
                         for p in PRESSURES if per_pressure[p]},
    }
