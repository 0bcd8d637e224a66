"""The local runner's batch plan: length-sorted, capped by rows and by padded tokens."""

from __future__ import annotations

from alignlab.models.local import plan_batches


def test_plan_keeps_every_prompt_once_longest_first():
    lengths = [5, 50, 7, 50, 3, 20]
    plan = plan_batches(lengths, batch_size=2)
    assert sorted(i for b in plan for i in b) == list(range(len(lengths)))
    assert [lengths[i] for b in plan for i in b] == sorted(lengths, reverse=True)
    assert [len(b) for b in plan] == [2, 2, 2]


def test_token_budget_gives_short_prompts_large_batches_and_long_prompts_small_ones():
    lengths = [400] * 10 + [10] * 100
    plan = plan_batches(lengths, batch_size=64, batch_tokens=2000, new_tokens=100)
    # 2000 // (400 + 100) = 4 rows while the longest row is long; 2000 // (10 + 100) = 18 once it is short
    assert [len(b) for b in plan] == [4, 4, 4, 18, 18, 18, 18, 18, 8]
    assert all(len(b) * (lengths[b[0]] + 100) <= 2000 for b in plan)
    assert [len(b) for b in plan_batches(lengths, batch_size=16, batch_tokens=2000, new_tokens=100)][3:] == [16] * 6 + [2]
    assert [len(b) for b in plan_batches(lengths, batch_size=64)] == [64, 46]


def test_a_prompt_over_the_budget_still_runs_alone():
    assert plan_batches([5000, 4000, 10], batch_size=8, batch_tokens=1000) == [[0], [1], [2]]
