"""Decontamination: no training sample may contain an evaluation item.

Every eval suite's items (scenario system prompt and inbox, constitution questions) and any
scenario files (the hand-written ones) are cut into word n-grams (default 8). An item's
*distinctive* n-grams are those that neither the constitution nor the same suites written with
training names (``partition="train"``, two seeds) contain: the world's template wording and
the constitution's sentences are meant to be seen in training, so only what makes an item
that item counts (its names, specifics, and any wording the templates never produce). A
sample's overlap with an item is the share of the item's distinctive n-grams it contains;
above the threshold the build fails and names every offending sample and item. A clean build
reports the largest overlap.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

from alignlab.constitution import Constitution
from alignlab.data.dataset import Sample
from alignlab.errors import InputError
from alignlab.evals.suites import SUITES, build_suite, scenario_file_items
from alignlab.world.cells import SplitSpec

CHECKED = tuple(s for s in SUITES if s != "multi_turn")  # a multi_turn episode opens with its agentic scenario


class ContaminationError(InputError):
    """Training samples that contain an eval item; ``offenders`` lists (sample, item, overlap)."""

    def __init__(self, recipe: str, offenders: list[tuple[str, str, float]], threshold: float) -> None:
        self.offenders = offenders
        shown = "; ".join(f"{s} holds {i} ({o:.0%})" for s, i, o in offenders[:5])
        more = f" and {len(offenders) - 5} more" if len(offenders) > 5 else ""
        super().__init__(None, f"data.recipes.{recipe}", f"{len(offenders)} samples overlap an eval item above "
                                                         f"{threshold:.0%}: {shown}{more}")


def ngrams(text: str, n: int) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", text.lower())
    return set(zip(*(words[i:] for i in range(n))))


def _text(item) -> str:
    return "\n".join(m["content"] for m in item.messages())


class EvalIndex:
    """The distinctive n-grams of every eval item, and the check of samples against them."""

    def __init__(self, items: dict[str, str], n: int, background: set[tuple[str, ...]]) -> None:
        self.n = n
        self.owners: dict[tuple[str, ...], list[str]] = defaultdict(list)
        self.size: dict[str, int] = defaultdict(int)
        for key, text in items.items():
            for g in ngrams(text, n) - background:
                self.owners[g].append(key)
                self.size[key] += 1
        self.items = len(items)

    @classmethod
    def build(cls, split: SplitSpec, constitution: Constitution, per_cell: int, seed: int, n: int,
              scenario_files: list[Path] = ()) -> EvalIndex:
        items = {it.key: _text(it) for suite in CHECKED for it in build_suite(suite, split, constitution, per_cell, seed)}
        items |= {it.key: _text(it) for path in scenario_files for it in scenario_file_items(path)}
        background = ngrams(constitution.to_markdown(), n)
        for s in (seed + 1, seed + 2):
            for suite in CHECKED:
                for it in build_suite(suite, split, constitution, per_cell, s, partition="train"):
                    background |= ngrams(_text(it), n)
        return cls(items, n, background)

    def overlap(self, text: str) -> tuple[float, str | None]:
        """(largest share of one item's distinctive n-grams in ``text``, that item)."""
        hits: dict[str, int] = defaultdict(int)
        for g in ngrams(text, self.n):
            for key in self.owners.get(g, ()):
                hits[key] += 1
        if not hits:
            return 0.0, None
        key = max(hits, key=lambda k: (hits[k] / self.size[k], k))
        return hits[key] / self.size[key], key

    def check(self, recipe: str, samples: list[Sample], threshold: float) -> dict:
        """The largest overlap found; ContaminationError when any sample is above ``threshold``."""
        worst = (0.0, None, None)
        offenders = []
        for s in samples:
            o, key = self.overlap("\n".join([*(m["content"] for m in s.messages), s.rejected or ""]))
            if o > worst[0]:
                worst = (o, s.id, key)
            if o > threshold:
                offenders.append((s.id, key, o))
        if offenders:
            raise ContaminationError(recipe, offenders, threshold)
        return {"ngram": self.n, "eval_items": self.items, "threshold": threshold, "max_overlap": round(worst[0], 4),
                "max_sample": worst[1], "max_item": worst[2]}
