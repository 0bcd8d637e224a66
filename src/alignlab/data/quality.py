"""The quality loop: judge every sample, keep those at or above the threshold, revise the rest.

Round 0 judges the drafts; each of ``iterations`` rounds sends the failing samples' critiques
(the criteria they missed) to the teacher, which revises them, and judges them again. Samples
still below the threshold after the last round are dropped and counted. The table reports,
per round: samples judged, kept this round, the mean score over all samples, the share kept
so far, and the gain in mean score over the previous round.
"""

from __future__ import annotations

from collections.abc import Callable

from alignlab.data.dataset import Sample, TokenCounter
from alignlab.data.rubric import score_of


def improve(samples: list[Sample], teacher, judge, counter: TokenCounter, iterations: int, threshold: float,
            max_tokens: int, progress: Callable[[int], None] | None = None) -> tuple[list[Sample], list[dict], int]:
    """(kept samples in their original order, the per-round table, samples dropped)."""
    order = {s.id: i for i, s in enumerate(samples)}
    scores: dict[str, float] = {}
    kept: list[Sample] = []
    pending = samples
    table: list[dict] = []
    previous = None
    for round_ in range(iterations + 1):
        verdicts = judge.judge(pending, counter.samples(pending), max_tokens)
        failing, critiques = [], []
        kept_now = 0
        for s, v in zip(pending, verdicts):
            scores[s.id] = score_of(v)
            if scores[s.id] >= threshold:
                kept.append(s)
                kept_now += 1
            else:
                failing.append(s)
                critiques.append([c for c, ok in v.items() if ok is False])
        mean = sum(scores.values()) / len(scores) if scores else 0.0
        table.append({"iteration": round_, "judged": len(pending), "kept": kept_now, "mean_score": round(mean, 4),
                      "keep_rate": round(len(kept) / len(samples), 4) if samples else 0.0,
                      "gain": None if previous is None else round(mean - previous, 4)})
        previous = mean
        if progress:
            progress(1)
        if not failing or round_ == iterations:
            pending = failing
            break
        pending = teacher.revise(failing, critiques, round_ + 1)
    kept.sort(key=lambda s: order[s.id])
    for s in kept:
        s.meta["score"] = scores[s.id]
    return kept, table, len(pending)
