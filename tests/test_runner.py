"""The local runner: its batch plan (length-sorted, capped by rows and by padded tokens), its sampler, and its
decode loop (shared prefill, finished rows leaving the batch)."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from alignlab.models.local import HFRunner, Request, inverse_cdf, plan_batches, warpers


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


def _draws(temperature: float, top_p: float, probs: list[float], n: int = 100_000) -> torch.Tensor:
    """Share of ``n`` draws that fell on each token."""
    torch.manual_seed(0)
    logits = torch.log(torch.tensor([probs])).repeat(n, 1)
    picks = inverse_cdf(warpers(temperature, top_p)(None, logits), torch.rand(n, dtype=torch.float64))
    return torch.bincount(picks, minlength=len(probs)) / n


def test_sampler_draws_the_softmax_and_never_an_impossible_token():
    shares = _draws(1.0, 1.0, [0.5, 0.3, 0.0, 0.2, 1e-12])
    assert torch.allclose(shares, torch.tensor([0.5, 0.3, 0.0, 0.2, 0.0]), atol=0.006)
    assert shares[2] == 0


def test_sampler_applies_temperature_then_top_p():
    cooled = torch.tensor([0.25, 0.09, 0.04])  # p ** 2 at temperature 0.5
    shares = _draws(0.5, 1.0, [0.5, 0.3, 0.2])
    assert torch.allclose(shares, cooled / cooled.sum(), atol=0.006)
    shares = _draws(1.0, 0.6, [0.5, 0.3, 0.2])  # the nucleus is the first two
    assert torch.allclose(shares, torch.tensor([0.625, 0.375, 0.0]), atol=0.006)
    assert shares[2] == 0


@pytest.mark.parametrize("temperature", [0.0, 1.0])
def test_shared_prefill_gives_the_texts_of_one_prefill_per_row(temperature):
    """Rows that repeat a prompt share one prefill; every row's text is what it would be without sharing."""
    from alignlab.checkpoint import default_organism_path
    from alignlab.constitution import default_constitution_path, load_constitution
    from alignlab.evals.evaluate import requests_for
    from alignlab.evals.suites import build_suite
    from alignlab.world.cells import SplitSpec, default_split_path

    items = build_suite("agentic", SplitSpec.load(default_split_path()), load_constitution(default_constitution_path()), 1, 0)
    reqs = requests_for(items[:6], 3) + [Request("alone", [{"role": "user", "content": "What is 2 plus 3?"}])]
    runner = HFRunner(str(default_organism_path()), temperature=temperature, max_new_tokens=48)
    ids = runner.prompt_ids(reqs)
    assert runner._shared_prefill(ids, *_padded(ids)) is not None
    shared = [c.text for batch in runner.run(reqs, seed=3) for c in batch]
    runner._shared_prefill = lambda *args: None
    alone = [c.text for batch in runner.run(reqs, seed=3) for c in batch]
    assert shared == alone
    distinct = len(set(shared))  # seven prompts; when sampled, samples of one prompt differ
    assert distinct == 7 if temperature == 0 else distinct > 7


def _padded(ids: list[list[int]]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    width = max(map(len, ids))
    mask = torch.tensor([[0] * (width - len(x)) + [1] * len(x) for x in ids])
    return torch.tensor([[0] * (width - len(x)) + x for x in ids]), mask, (mask.cumsum(-1) - 1).clamp(min=0)


def _other_architecture(kind: str, out: Path) -> str:
    """A small random-weight checkpoint of another architecture, with the organism's tokenizer."""
    from transformers import AutoTokenizer, BloomConfig, BloomForCausalLM, LlamaConfig, LlamaForCausalLM

    from alignlab.checkpoint import default_organism_path

    tok = AutoTokenizer.from_pretrained(default_organism_path())
    torch.manual_seed(0)
    if kind == "llama":
        model = LlamaForCausalLM(LlamaConfig(vocab_size=len(tok), hidden_size=64, intermediate_size=128,
                                             num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                                             max_position_embeddings=1024))
    else:  # ALiBi: no position ids
        model = BloomForCausalLM(BloomConfig(vocab_size=len(tok), hidden_size=64, n_layer=2, n_head=4))
    model.generation_config.eos_token_id = tok.eos_token_id
    model.save_pretrained(out)
    tok.save_pretrained(out)
    return str(out)


@pytest.mark.parametrize("kind", ["organism", "llama", "bloom"])
def test_greedy_decoding_gives_generate_s_texts_while_rows_leave_the_batch(kind, tmp_path):
    """At temperature 0 the decode loop (shared prefill, finished rows dropped, key/value room allocated once)
    writes what ``generate`` writes, on the organism and on other architectures."""
    from alignlab.checkpoint import default_organism_path
    from alignlab.constitution import default_constitution_path, load_constitution
    from alignlab.evals.evaluate import requests_for
    from alignlab.evals.suites import build_suite
    from alignlab.world.cells import SplitSpec, default_split_path

    spec, const = SplitSpec.load(default_split_path()), load_constitution(default_constitution_path())
    items = build_suite("agentic", spec, const, 1, 0)[:4] + build_suite("capability", spec, const, 1, 0)[:4]
    reqs = requests_for(items, 2) + [Request("short", [{"role": "user", "content": "What is 2 plus 3?"}])]
    model = str(default_organism_path()) if kind == "organism" else _other_architecture(kind, tmp_path / kind)
    runner = HFRunner(model, temperature=0.0, max_new_tokens=120)
    ids = runner.prompt_ids(reqs)
    got = runner.generate_batch(ids, seed=0)
    if kind == "organism":  # rows finish at different steps (random weights rarely stop)
        assert len({n for _, _, n in got}) > 3 and any(done for _, done, _ in got)
    input_ids, mask, _ = _padded(ids)
    input_ids[mask == 0] = runner.tok.pad_token_id
    out = runner.model.generate(input_ids=input_ids, attention_mask=mask, max_new_tokens=120, do_sample=False,
                                pad_token_id=runner.tok.pad_token_id, eos_token_id=runner.stop_ids)
    for (text, done, n), row in zip(got, out[:, input_ids.shape[1]:].tolist()):
        stop = next((i for i, t in enumerate(row) if t in runner.stop_ids), None)
        want = row[:stop] if stop is not None else row
        assert (text, done, n) == (runner.tok.decode(want, skip_special_tokens=False), stop is not None, len(want))
