"""Exact and near-duplicate removal (MinHash LSH over word 5-grams, with ``datasketch``).

The first of each group is kept, in sample order, so the result is deterministic. Compared:
every word a trainer sees except the system prompt (``Sample.text``).
"""

from __future__ import annotations

import hashlib
import re

from datasketch import MinHash, MinHashLSH

from alignlab.data.dataset import Sample

NUM_PERM = 128


def _norm(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def _shingles(words: list[str], n: int = 5) -> set[bytes]:
    if len(words) < n:
        return {" ".join(words).encode()}
    return {" ".join(words[i:i + n]).encode() for i in range(len(words) - n + 1)}


def dedup(samples: list[Sample], near_threshold: float) -> tuple[list[Sample], dict]:
    """(kept samples, {"exact": removed, "near": removed})."""
    seen: set[str] = set()
    lsh = MinHashLSH(threshold=near_threshold, num_perm=NUM_PERM)
    hashes: dict[str, MinHash] = {}
    kept, exact, near = [], 0, 0
    for s in samples:
        words = _norm(s.text())
        digest = hashlib.sha256(" ".join(words).encode()).hexdigest()
        if digest in seen:
            exact += 1
            continue
        seen.add(digest)
        sh = _shingles(words)
        m = MinHash(num_perm=NUM_PERM, seed=1)
        m.update_batch(list(sh))
        if any(m.jaccard(hashes[k]) >= near_threshold for k in lsh.query(m)):  # candidates, checked
            near += 1
            continue
        lsh.insert(s.id, m)
        hashes[s.id] = m
        kept.append(s)
    return kept, {"exact": exact, "near": near}
