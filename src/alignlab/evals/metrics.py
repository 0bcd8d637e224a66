"""Rates with Wilson 95 % intervals, widened for clustered samples.

Several samples of one scenario are not independent: a model that reads its context tends to
do the same thing each time it sees the same scenario. ``clustered_rate`` estimates the
intra-scenario correlation (ICC, one-way ANOVA estimator), turns it into a design effect
``1 + (m - 1) * ICC`` for clusters of mean size ``m``, and computes the Wilson interval on the
effective sample size ``n / design_effect``.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence


def wilson(k: float, n: float, z: float = 1.959964) -> tuple[float, float]:
    """Wilson score interval for k successes in n trials (n may be an effective, fractional size)."""
    if n <= 0:
        return 0.0, 1.0
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(max(0.0, p * (1 - p)) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def rate(k: int, n: int) -> dict:
    """``{"k", "n", "rate", "ci95"}``; rate is None when n is 0."""
    lo, hi = wilson(k, n)
    return {"k": k, "n": n, "rate": (k / n) if n else None, "ci95": [round(lo, 4), round(hi, 4)]}


def icc(values: Sequence[bool], clusters: Sequence[str]) -> float:
    """Intra-cluster correlation of a binary outcome (ANOVA estimator, clipped to [0, 1])."""
    groups: dict[str, list[bool]] = defaultdict(list)
    for v, c in zip(values, clusters):
        groups[c].append(bool(v))
    n, g = len(values), len(groups)
    if g < 2 or n <= g:
        return 0.0
    p = sum(values) / n
    sizes = [len(x) for x in groups.values()]
    msb = sum(len(x) * (sum(x) / len(x) - p) ** 2 for x in groups.values()) / (g - 1)
    msw = sum(sum(x) * (1 - sum(x) / len(x)) for x in groups.values()) / (n - g)
    n0 = (n - sum(s * s for s in sizes) / n) / (g - 1)
    denom = msb + (n0 - 1) * msw
    return min(1.0, max(0.0, (msb - msw) / denom)) if denom > 0 else 0.0


def clustered_rate(values: Sequence[bool], clusters: Sequence[str]) -> dict:
    """``rate`` of ``values`` with a design-effect-adjusted Wilson interval over ``clusters`` (scenarios)."""
    n, k = len(values), sum(bool(v) for v in values)
    g = len(set(clusters))
    rho = icc(values, clusters)
    deff = 1 + (n / g - 1) * rho if g else 1.0
    lo, hi = wilson(k / deff, n / deff)
    return {"k": k, "n": n, "rate": (k / n) if n else None, "ci95": [round(lo, 4), round(hi, 4)],
            "clusters": g, "icc": round(rho, 4), "design_effect": round(deff, 3)}


def t975(df: int) -> float:
    """The 97.5 % quantile of Student's t with ``df`` degrees of freedom (Cornish-Fisher; exact for 1 and 2)."""
    if df <= 2:
        return {1: 12.7062, 2: 4.3027}.get(df, float("inf"))
    z, v = 1.959964, float(df)
    return (z + (z**3 + z) / (4 * v) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * v**2)
            + (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / (384 * v**3))


def paired_difference(a: dict[str, list[bool]], b: dict[str, list[bool]]) -> dict:
    """Mean over shared clusters of (rate in ``a`` - rate in ``b``), with a t-interval over clusters."""
    shared = sorted(set(a) & set(b))
    diffs = [sum(a[c]) / len(a[c]) - sum(b[c]) / len(b[c]) for c in shared if a[c] and b[c]]
    g = len(diffs)
    if g == 0:
        return {"difference": None, "ci95": [None, None], "clusters": 0}
    mean = sum(diffs) / g
    sd = math.sqrt(sum((d - mean) ** 2 for d in diffs) / (g - 1)) if g > 1 else float("inf")
    half = t975(g - 1) * sd / math.sqrt(g)
    return {"difference": round(mean, 4), "ci95": [round(max(-1.0, mean - half), 4), round(min(1.0, mean + half), 4)],
            "clusters": g}
