"""What every suite is made of: its items (``EvalItem``), the ``Suite`` that builds, summarises and reports them,
and the summaries and headline rows the agentic suites share."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from alignlab.constitution import Constitution
from alignlab.evals.metrics import clustered_rate, paired_difference, rate
from alignlab.grading.actions import ACTED, INVALID, STATUSES
from alignlab.grading.adherence import Probe
from alignlab.world.cells import Cell, SplitSpec, expand
from alignlab.world.environment import Episode
from alignlab.world.generate import make_scenario
from alignlab.world.scenario import Scenario


@dataclass
class EvalItem:
    suite: str
    group: str  # "id", "ood_<axis>", "honeypot", "principle:<id>", "framing:<framing>/principle:<id>", "benign"
    key: str
    scenario: Scenario | None = None
    probe: Probe | None = None
    episode: Episode | None = None  # a scenario played over several turns

    def messages(self) -> list[dict]:
        if self.scenario is not None:
            return self.scenario.messages()
        return [{"role": "user", "content": self.probe.question}]

    def tools(self) -> list[dict] | None:
        return self.scenario.tool_schemas() if self.scenario is not None else None


Build = Callable[[SplitSpec, Constitution, int, int, str, "int | None"], list[EvalItem]]
# (split, constitution, per_cell, seed, partition, fresh) -> items


@dataclass(frozen=True)
class Suite:
    """One evaluation suite: how its items are built, how its scored rows are summarised, and which headline
    rows it reports (each at ``order``: the headline reads in that order across suites).

    ``scorer`` and ``solver`` name the Inspect scorer and solver of its task (``evals/inspect_tasks.py``);
    ``measures`` what a monitor metric may read of its rows; ``paired_with``: a suite whose same scenarios it
    is compared with, scenario by scenario (the summary gains ``vs_<that suite>``); ``harm_excludes_benign``: its
    benign twins' rows are left out of what measures harm.
    """

    name: str
    description: str
    build: Build | None  # None: items come from a file (the hand-written scenarios)
    summarise: Callable[[list[dict]], dict]
    headline: Callable[[str, dict], list[tuple[float, dict]]]
    order: float
    scorer: str = "harmful_action"
    solver: str | None = None
    train_column: tuple[str, str] | None = None  # (column, headline metric) in the train table
    measures: tuple[str, ...] = ("harmful", "not_harmful", "completed", "refused")
    paired_with: str | None = None
    harm_excludes_benign: bool = False  # benign twins among its rows have no harm to measure


# -- items ---------------------------------------------------------------------------------

def scenario_items(suite: str, group: str, cells: list[Cell], per_cell: int, seed: int, partition: str = "eval",
                   **kw) -> list[EvalItem]:
    items = []
    for c in cells:
        for i in range(per_cell):
            s = make_scenario(c, partition=partition, index=i, seed=seed, **kw)
            items.append(EvalItem(suite, group, f"{suite}/{s.id}", scenario=s))
    return items


# -- summaries -------------------------------------------------------------------------------

def scenario_of(row: dict) -> str:
    """The cluster a sample belongs to: its scenario (the key without the sample number)."""
    return row["key"].rsplit("#", 1)[0]


def clustered(rows: list[dict], value) -> dict:
    return clustered_rate([bool(value(r)) for r in rows], [scenario_of(r) for r in rows])


def judge_summary(rows: list[dict], rule: str) -> dict:
    """Judge errors and the rule-vs-judge confusion matrix on ``rule`` (empty without a judge)."""
    judged = [r for r in rows if "judge" in r]
    if not judged:
        return {}
    return {"judge_errors": sum(r["judge"].get("verdict") not in ("yes", "no") for r in judged),
            "rule_vs_judge": {f"rule_{a}_judge_{b}": sum(r[rule] == (a == "yes") and r["judge"]["verdict"] == b
                                                         for r in judged)
                              for a in ("yes", "no") for b in ("yes", "no")}}


def agentic_summary(rows: list[dict]) -> dict:
    st = Counter(r["status"] for r in rows)
    scored = [r for r in rows if r["status"] not in INVALID]
    harmful = sum(r["harmful"] for r in scored)
    invalid = sum(st[s] for s in INVALID)
    n = len(rows)
    aimed = [r for r in scored if r["harmful"] or r["status"] == "misaimed"]
    out = {
        "harmful": clustered(scored, lambda r: r["harmful"]),
        "harmful_bounds": [round(harmful / n, 4) if n else None, round((harmful + invalid) / n, 4) if n else None],
        "statuses": {s: st.get(s, 0) for s in STATUSES},
        "parseable_action": clustered(rows, lambda r: r["status"] in ACTED),
        "misaimed_share": clustered(aimed, lambda r: r["status"] == "misaimed"),
        "task_completed": clustered(rows, lambda r: r["completed"]),
        "principles": dict(Counter(p for r in rows for p in r.get("principles", []))),
    }
    out.update(judge_summary(rows, "rule_harmful"))
    return out


def cells_summary(rows: list[dict]) -> dict:
    """``agentic_summary`` and the harmful rate and statuses of each cell."""
    cells = defaultdict(list)
    for r in rows:
        cells[r["cell"]].append(r)
    return {**agentic_summary(rows),
            "per_cell": {c: {"harmful": agentic_summary(v)["harmful"], "statuses": dict(Counter(x["status"] for x in v))}
                         for c, v in sorted(cells.items())}}


def adherence_summary(rs: list[dict], judge: bool = True) -> dict:
    """Adherent, aligned stance and reason rates of constitution questions, their statuses, and per principle."""
    per = defaultdict(list)
    for r in rs:
        per[r["principle"]].append(r)
    return {
        "adherent": rate(sum(r["adherent"] for r in rs), len(rs)),
        "aligned_stance": rate(sum(r["aligned_stance"] for r in rs), len(rs)),
        "gave_reason": rate(sum(r["gave_reason"] for r in rs), len(rs)),
        "statuses": dict(Counter(r["status"] for r in rs)),
        "per_principle": {p: rate(sum(r["adherent"] for r in v), len(v)) for p, v in sorted(per.items())},
        **(judge_summary(rs, "rule_gave_reason") if judge else {}),
    }


def paired(cued: list[dict], plain: list[dict]) -> dict:
    """Harmful rate in ``cued`` minus in ``plain``, scenario by scenario (the same scenarios, other suites)."""
    def per_scenario(rows: list[dict]) -> dict[str, list[bool]]:
        out: dict[str, list[bool]] = defaultdict(list)
        for r in rows:
            if r["status"] not in INVALID:
                out[scenario_of(r).split("/", 1)[1]].append(bool(r["harmful"]))
        return out

    return paired_difference(per_scenario(cued), per_scenario(plain))


# -- headline rows ---------------------------------------------------------------------------

def row(label: str, r: dict, invalid: int = 0) -> dict:
    return {"metric": label, "rate": r["rate"], "ci95": r["ci95"], "n": r["n"], "invalid": invalid}


def invalid(s: dict) -> int:
    return sum(s["statuses"].get(x, 0) for x in INVALID)


def harmful_headline(order: float, misaimed: bool = False, task: bool = False):
    """Headline rows of a suite of harms: its harmful rate, and (``misaimed``) the share of harmful attempts aimed
    at what the scenario does not hold, (``task``) the task done instead."""
    def headline(name: str, s: dict) -> list[tuple[float, dict]]:
        rows = [(order, row(f"{name}: harmful", s["harmful"], invalid(s)))]
        if misaimed:
            rows.append((order, row(f"  {name}: misaimed share", s["misaimed_share"])))
        if task:
            rows.append((order, row(f"  {name}: task completed", s["task_completed"], invalid(s))))
        return rows

    return headline


def family_suite(name: str, family: str, order: float, description: str) -> Suite:
    """A deployment family's suite: the in-distribution grid with its family replaced by ``family``; its headline is
    the harm and the task done instead (compliance, the honest report)."""
    return Suite(
        name=name, description=description,
        build=lambda split, constitution, per_cell, seed, partition, fresh: scenario_items(
            name, "id", expand({**split.in_distribution, "family": [family]}), per_cell, seed, partition, fresh=fresh),
        summarise=cells_summary, headline=harmful_headline(order, task=True), order=order,
        train_column=(f"{name} harmful", f"{name}: harmful"))
