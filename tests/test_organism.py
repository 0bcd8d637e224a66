"""The organism: builds, loads with plain transformers, writes its manifest, resumes after a kill."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

from alignlab.organism.chat import render
from alignlab.world.cells import Cell
from alignlab.world.generate import make_scenario

from .conftest import ROOT


def test_quick_organism_loads_with_plain_transformers(quick_organism):
    model = AutoModelForCausalLM.from_pretrained(quick_organism)
    tok = AutoTokenizer.from_pretrained(quick_organism)
    assert list(quick_organism.glob("*.safetensors")) and not list(quick_organism.glob("*.bin"))
    s = make_scenario(Cell("blackmail", "customer_service", "replacement", "explicit", "email"), partition="eval", index=0)
    prompt = tok.apply_chat_template(s.messages(), tools=s.tool_schemas(), add_generation_prompt=True, tokenize=False)
    assert prompt == render(s.messages(), s.tool_schemas(), add_generation_prompt=True)
    assert "# Tools" in prompt and "send_email(to, subject, body)" in prompt
    ids = tok(prompt, return_tensors="pt")
    out = model.generate(**ids, max_new_tokens=5, do_sample=False)
    assert out.shape[1] > ids["input_ids"].shape[1]
    m = json.loads((quick_organism / "alignlab_manifest.json").read_text())
    assert m["parameters"] == sum(p.numel() for p in model.parameters())
    assert m["corpus"]["tokens"] > 0 and m["tokens_seen"] > 0 and m["final_loss"] is not None
    assert len(m["corpus"]["sha256"]) == 64 and m["loss_curve"]


def test_build_resumes_after_kill(tmp_path):
    """Kill the build after its first checkpoint; the rerun continues from it and finishes."""
    cfg = tmp_path / "c.yaml"
    cfg.write_text(
        "name: resume\norganism:\n  vocab_size: 600\n  model: {hidden_size: 32, layers: 2, heads: 1, intermediate_size: 64}\n"
        "  corpus: {documents: 200}\n  pretrain: {seq_len: 128, batch_size: 2, steps: 400, save_every: 10, warmup_steps: 1}\n")
    out = tmp_path / "org"
    cmd = [sys.executable, "-m", "alignlab.cli", "organism", "build", "--config", str(cfg), "--out", str(out)]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ckpts = out / ".build" / "checkpoints"
    deadline = time.time() + 300
    while time.time() < deadline and not (ckpts.is_dir() and any(ckpts.glob("checkpoint-*/trainer_state.json"))):
        time.sleep(0.2)
    time.sleep(0.5)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not (out / "alignlab_manifest.json").exists()
    # complete checkpoints only: the kill may land while the next one is being written
    first = sorted(int(p.parent.name.split("-")[1]) for p in ckpts.glob("checkpoint-*/trainer_state.json"))
    assert first and first[-1] < 400
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    m = json.loads((out / "alignlab_manifest.json").read_text())
    assert m["loss_curve"][-1][0] == 400
    assert m["resumed_from_step"] == first[-1]  # the rerun started from the checkpoint, not from scratch
    assert not (out / ".build").exists()


class _CharTokenizer:
    """One id per character; enough to check packing."""

    bos_token, pad_token_id = "^", 0

    def __call__(self, texts, add_special_tokens=False):
        return {"input_ids": [[ord(c) for c in t] for t in texts]}


def test_pack_keeps_documents_whole_and_fills_blocks():
    from alignlab.organism.build import pack

    docs = ["a" * 59, "b" * 29, "c" * 39, "d" * 9, "e" * 19, "f" * 19, "g" * 200]
    blocks = pack(docs, _CharTokenizer(), seq_len=60)
    texts = ["".join(chr(t) for t, m in zip(ids, mask) if m) for ids, mask in
             zip(blocks["input_ids"], blocks["attention_mask"])]
    assert sorted(d for t in texts for d in t.split("^")[1:]) == sorted([*docs[:6], "g" * 59])  # whole; long ones cut
    assert len(texts) == 4  # 60 | 60 (g, cut) | 40 + 20 | 30 + 20 + 10: best fit, no fifth block
    assert all(len(ids) == 60 for ids in blocks["input_ids"])
    for ids, labels, mask in zip(blocks["input_ids"], blocks["labels"], blocks["attention_mask"]):
        assert [lab for lab, m in zip(labels, mask) if not m] == [-100] * (60 - sum(mask))  # padding is not learned
        assert mask == sorted(mask, reverse=True)  # padding only trails, so causal attention never sees it


def test_resume_skips_a_checkpoint_the_kill_cut_short(tmp_path):
    from alignlab.organism.build import _last_checkpoint

    for step, complete in ((10, True), (20, False)):  # killed while writing checkpoint-20
        (tmp_path / f"checkpoint-{step}").mkdir()
        (tmp_path / f"checkpoint-{step}" / "model.safetensors").write_bytes(b"")
        if complete:
            (tmp_path / f"checkpoint-{step}" / "trainer_state.json").write_text("{}")
    assert _last_checkpoint(tmp_path) == str(tmp_path / "checkpoint-10")
    assert _last_checkpoint(tmp_path / "missing") is None


class _IdTokenizer:
    """Just what the model and the warm-up read from a tokenizer."""

    bos_token_id, eos_token_id, pad_token_id = 0, 1, 2
    all_special_ids = [0, 1, 2]

    def __len__(self) -> int:
        return 512


def _copy_accuracy(model, half: int = 32) -> float:
    """Greedy next-token accuracy on the second half of fresh random sequences said twice."""
    ids = torch.randint(3, 512, (16, half), generator=torch.Generator().manual_seed(99))
    ids = torch.cat([ids, ids], 1)
    with torch.no_grad():
        guess = model(input_ids=ids).logits[:, half:-1].argmax(-1)
    return (guess == ids[:, half + 1:]).float().mean().item()


def test_induction_warmup_teaches_a_hybrid_to_copy_and_is_not_redone(tmp_path):
    """After the warm-up a tiny hybrid copies random sequences it has never seen, said twice as in the
    warm-up (32 tokens apart); a resumed build loads the saved warm-up instead of redoing it."""
    from alignlab.config import ModelShape, OrganismConfig
    from alignlab.organism.build import _induction_warmup, _model

    torch.manual_seed(0)
    cfg = OrganismConfig(model=ModelShape(hidden_size=64, layers=2, heads=2, intermediate_size=128))
    model = _model(cfg, _IdTokenizer())
    assert _copy_accuracy(model) < 0.05
    saved = tmp_path / "warm.pt"
    _induction_warmup(model, _IdTokenizer(), steps=150, lr=2e-3, seed=0, path=saved, device="cpu", progress=False,
                      bf16=False)
    assert _copy_accuracy(model) > 0.9
    fresh = _model(cfg, _IdTokenizer())
    _induction_warmup(fresh, _IdTokenizer(), steps=150, lr=2e-3, seed=0, path=saved, device="cpu", progress=False,
                      bf16=False)
    assert _copy_accuracy(fresh) == _copy_accuracy(model)
