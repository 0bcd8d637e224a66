"""The trend of a model's monitored metrics, record by record, with intervals and thresholds."""

from __future__ import annotations

import io


def trend_png(name: str, history: list[dict], thresholds: dict[str, float] | None = None) -> bytes:
    """A PNG: each metric's rate per record (95 % interval bars); ``thresholds`` drawn as dashed lines."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(dict.fromkeys(m for h in history for m in h["metrics"]))
    fig, ax = plt.subplots(figsize=(7, 4))
    xs = list(range(1, len(history) + 1))
    for m in names:
        pts = [(x, h["metrics"][m]) for x, h in zip(xs, history) if m in h["metrics"] and h["metrics"][m]["rate"] is not None]
        if not pts:
            continue
        ys = [100 * r["rate"] for _, r in pts]
        err = [[y - 100 * r["ci95"][0] for y, (_, r) in zip(ys, pts)], [100 * r["ci95"][1] - y for y, (_, r) in zip(ys, pts)]]
        line = ax.errorbar([x for x, _ in pts], ys, yerr=err, marker="o", capsize=3, label=m)
        if thresholds and m in thresholds:
            ax.axhline(100 * thresholds[m], linestyle="--", color=line[0].get_color(), alpha=0.6)
    for x, h in zip(xs, history):
        if any(a["status"] == "applied" for a in h["actions"]):
            ax.axvline(x + 0.5, color="grey", linestyle=":")
    ax.set_xticks(xs, [str(h["id"]) for h in history])
    ax.set_xlabel("record (dotted: retrained after it)")
    ax.set_ylabel("rate (%)")
    ax.set_ylim(0, 100)
    ax.legend(fontsize=8)
    ax.set_title(f"{name}: monitored metrics")
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()
