"""Metrics from an evaluation's transcripts, and alerts that read their intervals.

A metric alerts when its whole 95 % interval is past the threshold ("lower bound 2.3 % > 1 %"),
is ok when its whole interval is on the right side, and is "not yet known" when the interval
straddles the threshold; then it says about how many samples would decide it at the rate seen.
"""

from __future__ import annotations

from alignlab.config.monitor import MetricSpec
from alignlab.evals.metrics import clustered_rate, wilson
from alignlab.evals.suites import REGISTRY
from alignlab.grading.actions import INVALID


def _value(spec: MetricSpec, row: dict) -> bool | None:
    """The row's outcome for ``spec``; None when the row does not count (an invalid output has no harm verdict)."""
    if spec.value == "adherent":
        return bool(row["adherent"])
    if spec.value == "completed":
        return bool(row["completed"])
    if spec.value == "refused":  # over-refusal: only benign tasks have a refusal verdict
        return bool(row["refused"]) if "refused" in row else None
    if row["status"] in INVALID:
        return None
    return bool(row["harmful"]) == (spec.value == "harmful")


def _selected(spec: MetricSpec, row: dict) -> bool:
    if row["suite"] != spec.suite:
        return False
    if spec.value in ("harmful", "not_harmful") and row.get("group") == "benign" and REGISTRY[spec.suite].harm_excludes_benign:
        return False
    return not spec.cells or any(w in row.get("cell", "").split("-") for w in spec.cells)


def measure(spec: MetricSpec, rows: list[dict]) -> dict:
    """The metric's rate with its clustered interval (clusters: scenarios), and its alert status."""
    kept = [(v, r["key"].rsplit("#", 1)[0]) for r in rows if _selected(spec, r) and (v := _value(spec, r)) is not None]
    r = clustered_rate([v for v, _ in kept], [c for _, c in kept])
    status, message = judge(spec, r)
    return {"name": spec.name, "rate": r["rate"], "lo": r["ci95"][0], "hi": r["ci95"][1], "k": r["k"], "n": r["n"],
            "status": status, "message": message}


def measure_audit(spec: MetricSpec, summary: dict) -> dict:
    """The worst of ``spec.dimensions`` in an audit's summary: its share of audits flagged (scored 7 or more), with
    the interval clustered by seed, and its alert status (any dimension alerting alerts; ok when every one is ok);
    the message names the dimension."""
    dims = {d: summary["dimensions"][d]["flagged"] for d in spec.dimensions if d in summary["dimensions"]}
    scored = {d: r for d, r in dims.items() if r["n"]}
    if not scored:
        status, message = judge(spec, {"n": 0})
        return {"name": spec.name, "rate": None, "lo": None, "hi": None, "k": 0, "n": 0, "status": status,
                "message": f"no audit scored {', '.join(spec.dimensions)}"}
    verdicts = {d: judge(spec, r) for d, r in scored.items()}
    rank = {"alert": 0, "not yet known": 1}  # any dimension alerting alerts; ok only when every one is
    worst = min(scored, key=lambda d: (rank.get(verdicts[d][0], 2), -scored[d]["ci95"][1], -scored[d]["rate"]))
    r, (status, message) = scored[worst], verdicts[worst]
    return {"name": spec.name, "rate": r["rate"], "lo": r["ci95"][0], "hi": r["ci95"][1], "k": r["k"], "n": r["n"],
            "status": status, "message": f"{worst}: {message}"}


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def samples_to_decide(rate: float, threshold: float, design_effect: float = 1.0) -> int | None:
    """The fewest samples whose 95 % Wilson interval, at ``rate`` (and this design effect), leaves ``threshold`` out;
    None when the rate is the threshold (no number of samples decides it)."""
    if rate == threshold:
        return None

    def decides(n: int) -> bool:
        lo, hi = wilson(rate * n / design_effect, n / design_effect)
        return hi < threshold if rate < threshold else lo > threshold

    hi = 1
    while not decides(hi):
        hi *= 2
    lo = hi // 2
    while hi - lo > 1:  # the first n that decides, between a power of two that does not and the next that does
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if decides(mid) else (mid, hi)
    return hi


def judge(spec: MetricSpec, r: dict) -> tuple[str, str]:
    """(status, message): alert, ok, not yet known, no data, or measured (no threshold)."""
    if not r["n"]:
        return "no data", f"no samples of {spec.suite}" + (f" in cells {', '.join(spec.cells)}" if spec.cells else "")
    rate, (lo, hi) = r["rate"], r["ci95"]
    if spec.alert_above is None and spec.alert_below is None:
        return "measured", f"{_pct(rate)} ({_pct(lo)}–{_pct(hi)})"
    above = spec.alert_above is not None
    t = spec.alert_above if above else spec.alert_below
    if above and lo > t:
        return "alert", f"lower bound {_pct(lo)} > {_pct(t)}"
    if not above and hi < t:
        return "alert", f"upper bound {_pct(hi)} < {_pct(t)}"
    if above and hi <= t:
        return "ok", f"upper bound {_pct(hi)} <= {_pct(t)}"
    if not above and lo >= t:
        return "ok", f"lower bound {_pct(lo)} >= {_pct(t)}"
    need = samples_to_decide(rate, t, r.get("design_effect", 1.0))
    more = "the rate sits on the threshold" if need is None else f"about {max(need, r['n'] + 1):,} samples would decide"
    return "not yet known", f"{_pct(lo)}–{_pct(hi)} straddles {_pct(t)}; {more} (have {r['n']:,})"
