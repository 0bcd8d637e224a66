"""Named weights (corpus mix, mixture weights, task-type shares): the one check they all need."""

from __future__ import annotations

from collections.abc import Iterable


def check_weights(values: dict[str, float], known: Iterable[str] | None, what: str) -> dict[str, float]:
    """``values`` unchanged when every name is known (``None``: any name), every weight >= 0 and not all are zero
    (an empty mapping passes: it means the default); ValueError naming the first problem."""
    known = None if known is None else tuple(known)
    for name, w in values.items():
        if known is not None and name not in known:
            raise ValueError(f"unknown {what} {name!r}; known: {', '.join(known)}")
        if w < 0:
            raise ValueError(f"weight of {name!r} must be >= 0")
    if values and sum(values.values()) <= 0:
        raise ValueError("weights must not all be zero")
    return values
