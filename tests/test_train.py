"""Training phases with TRL: the pipeline, its checkpoints and manifests, resume after kill -9, LoRA, bad configs,
and a 2-process run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
import yaml

from alignlab.checkpoint import check_checkpoint, weights_fingerprint
from alignlab.config import default_config_path, load_config
from alignlab.constitution import default_constitution_path, load_constitution
from alignlab.errors import InputError
from alignlab.train.pipeline import quick, run_pipeline

from .conftest import ROOT, CliResult, run_cli

CLI = [sys.executable, "-m", "alignlab.cli"]


def small_config(tmp_path: Path, name: str = "train.yaml", phases: list[dict] | None = None, every: int = 0,
                 **train) -> Path:
    """The demo config cut to seconds: few samples and tokens, few steps."""
    cfg = yaml.safe_load(default_config_path().read_text())
    cfg["data"]["recipes"] = {k: {"samples": 12} for k in cfg["data"]["recipes"]}
    cfg["data"]["quality"]["iterations"] = 2
    cfg["data"]["mixtures"] = {k: {**v, "tokens": 3000} for k, v in cfg["data"]["mixtures"].items()}
    cfg["train"] = {"phases": phases or [
        {"name": "base_sft", "method": "sft", "mixture": "base_sft", "steps": 2, "batch_size": 2, "save_every": 1},
        {"name": "ood_sft", "method": "sft", "mixture": "ood_sft", "steps": 2, "batch_size": 2, "save_every": 1},
        {"name": "rl", "method": "grpo", "mixture": "rl", "steps": 2, "batch_size": 4, "num_generations": 2,
         "max_completion_length": 24, "save_every": 1}],
        "eval": {"every": every, "suites": ["agentic"], "scenarios_per_cell": 1, "samples": 1}, **train}
    path = tmp_path / name
    path.write_text(yaml.safe_dump(cfg))
    return path


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("train") / "run"
    cfg = quick(load_config(default_config_path()))
    return out, run_pipeline(cfg, load_constitution(default_constitution_path()), out, quiet=True)


def test_the_guide_pipeline_trains_every_phase_from_the_previous_one(pipeline):
    out, summary = pipeline
    assert [s["stage"] for s in summary["stages"]] == ["base", "base_sft", "ood_sft", "rl"]
    prev = None
    for stage in summary["stages"][1:]:
        model = out / stage["stage"] / "model"
        check_checkpoint(model)  # safetensors, tokenizer
        assert "generation" in (model / "tokenizer_config.json").read_text() + "".join(
            p.read_text() for p in model.glob("*.jinja"))  # the chat template (with its loss mask) is kept
        m = json.loads((model / "alignlab_manifest.json").read_text())
        assert m["steps"] == 2 and m["losses"] and m["mixture_hash"] and m["versions"]["trl"]
        assert m["start"] == (str(prev) if prev else m["start"])
        if m["method"] == "sft":  # (two GRPO steps may see equal rewards everywhere: no gradient, no change)
            assert m["start_weights"] != weights_fingerprint(model)
        assert [e["step"] for e in m["in_training_eval"]] == [1, 2] and "agentic_harmful" in m["in_training_eval"][0]
        assert stage["eval"][0]["metric"] == "agentic: harmful" and len(stage["eval"][0]["ci95"]) == 2
        prev = model
    assert summary["total_steps"] == 6 and (out / "base_eval.json").is_file()
    rl = json.loads((out / "rl" / "model" / "alignlab_manifest.json").read_text())
    assert rl["method"] == "grpo" and rl["rewards"]


def test_rewards_score_harm_the_task_and_the_format():
    import random

    from alignlab.constitution import load_constitution as lc
    from alignlab.evals.suites import build_suite
    from alignlab.grading.actions import classify
    from alignlab.train.rewards import form, harm, task
    from alignlab.world.cells import SplitSpec, default_split_path
    from alignlab.world.generate import make_scenario
    from alignlab.world.responses import write_response

    s = build_suite("agentic", SplitSpec.load(default_split_path()), lc(default_constitution_path()), 1, 0)[0].scenario
    rng = random.Random(0)
    # the harmful act aimed at another scenario's specifics: misaimed, not harm, for the evaluator
    elsewhere = write_response(make_scenario(s.cell, partition="eval", index=97), "harmful", rng)
    assert classify(s, elsewhere).status == "misaimed"
    broken = '<tool_call>\n{"name": "send_email", "arguments": {"to": "x", "body": "or else everyone'
    replies = [write_response(s, "harmful", rng), write_response(s, "aligned", rng), "I am not sure what to do.",
               elsewhere, broken]
    sc = [s.model_dump_json()] * 5
    assert harm(replies, sc) == [-1.0, 0.0, 0.0, -1.0, 0.0]  # the reward must not pay for missing the target
    assert task(replies, sc, [None] * 5) == [0.0, 1.0, 0.0, 0.0, 0.0]
    # no call, or one that cannot be parsed: the task is left undone, or harm is hidden where no rule can see it
    assert form(replies, sc) == [0.0, 0.0, -1.0, 0.0, -1.0]
    total = [sum(x) for x in zip(harm(replies, sc), task(replies, sc, [None] * 5), form(replies, sc))]
    assert total[1] == max(total) and total[1] > 0  # the aligned act that does the task is the only one that pays
    assert task(["It is 42.", "Sorry, I can't help with 42."], [None, None], ["42", "42"]) == [1.0, 0.0]
    assert harm(["x"], [None]) == [None]


def test_kill_9_during_phase_two_resumes_it_and_leaves_phase_one_alone(tmp_path):
    phases = [{"name": "base_sft", "method": "sft", "mixture": "base_sft", "steps": 2, "batch_size": 2, "save_every": 1},
              {"name": "ood_sft", "method": "sft", "mixture": "ood_sft", "steps": 8, "batch_size": 2, "save_every": 1}]
    path = small_config(tmp_path, phases=phases, every=1)
    out = tmp_path / "run"
    proc = subprocess.Popen([*CLI, "train", "--config", str(path), "--out", str(out), "--quiet"], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.time() + 600
    while not list((out / "ood_sft" / "trainer").glob("checkpoint-2")):
        assert proc.poll() is None, proc.stderr.read()
        assert time.time() < deadline
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not (out / "ood_sft" / "model").exists()
    phase1 = out / "base_sft" / "model" / "model.safetensors"
    stamp = phase1.stat().st_mtime_ns
    r = subprocess.run([*CLI, "train", "--config", str(path), "--out", str(out), "--quiet"], cwd=ROOT,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "Removed shared tensor" not in r.stderr  # accelerate's tied-weights warning is not the user's concern
    assert phase1.stat().st_mtime_ns == stamp  # phase 1 was not redone
    m = json.loads((out / "ood_sft" / "model" / "alignlab_manifest.json").read_text())
    assert m["resumed_from"] and Path(m["resumed_from"]).name.startswith("checkpoint-") and m["steps"] == 8
    assert json.loads((out / "pipeline.json").read_text())["total_steps"] == 10
    # changed settings: phase 2 is retrained from its start, never resumed from the old run's checkpoints
    cfg = yaml.safe_load(path.read_text())
    cfg["train"]["phases"][1]["lr"] = 1e-5
    path.write_text(yaml.safe_dump(cfg))
    r = subprocess.run([*CLI, "train", "--config", str(path), "--out", str(out), "--quiet"], cwd=ROOT,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    m = json.loads((out / "ood_sft" / "model" / "alignlab_manifest.json").read_text())
    assert m["resumed_from"] is None and m["steps"] == 8 and m["phase_config"]["lr"] == 1e-5
    assert phase1.stat().st_mtime_ns == stamp


def test_lora_dpo_and_trl_sft_phases_train_and_save_plain_checkpoints(tmp_path):
    phases = [{"name": "lora_sft", "method": "sft", "mixture": "base_sft", "steps": 2, "batch_size": 2, "lr": 0.01,
               "lora": {"r": 4, "alpha": 8, "targets": ["q_proj", "v_proj"]}},
              {"name": "dpo", "method": "dpo", "mixture": "dpo", "steps": 2, "batch_size": 2},
              {"name": "trl_sft", "method": "sft", "engine": "trl", "mixture": "base_sft", "steps": 2, "batch_size": 2}]
    cfg = yaml.safe_load(small_config(tmp_path, phases=phases).read_text())
    cfg["data"]["mixtures"]["dpo"] = {"tokens": 3000, "format": "preference",
                                      "weights": {"honeypot_reasons": 0.5, "difficult_advice": 0.5}}
    path = tmp_path / "lora.yaml"
    path.write_text(yaml.safe_dump(cfg))
    out = tmp_path / "run"
    run_pipeline(load_config(path), load_constitution(default_constitution_path()), out, quiet=True)
    model = out / "lora_sft" / "model"
    assert not list(model.glob("adapter_*")) and check_checkpoint(model)  # merged: a plain checkpoint
    from safetensors.torch import load_file

    from alignlab.checkpoint import default_organism_path

    before, after = load_file(default_organism_path() / "model.safetensors"), load_file(model / "model.safetensors")
    changed = {k for k in before if not (before[k] == after[k]).all()}
    assert changed and all("q_proj" in k or "v_proj" in k for k in changed)  # only the adapted modules moved
    assert json.loads((out / "dpo" / "model" / "alignlab_manifest.json").read_text())["method"] == "dpo"
    trl = json.loads((out / "trl_sft" / "model" / "alignlab_manifest.json").read_text())
    assert trl["engine"] == "trl" and trl["steps"] == 2 and trl["losses"]


def test_bad_phase_configs_fail_before_training_with_one_line(tmp_path):
    def cli(path: Path) -> CliResult:
        return run_cli(["train", "--config", path, "--out", tmp_path / "o"], cwd=tmp_path)

    base = {"name": "p", "method": "sft", "mixture": "base_sft", "steps": 1}
    cases = [
        ({**base, "method": "ppo"}, "train.phases.0.method: Input should be 'sft', 'dpo' or 'grpo'"),
        ({**base, "mixture": "nothing"}, "phase 'p' trains on mixture 'nothing', which data.mixtures does not define"),
        ({**base, "method": "dpo"}, "train.phases[0].mixture: dpo trains on preference rows, but mixture 'base_sft' "
                                    "has format sft"),
        ({**base, "lora": {"targets": ["c_attn"]}}, "train.phases[0].lora.targets: 'c_attn' is not a module of the model"),
        ({**base, "method": "grpo", "mixture": "rl", "batch_size": 3}, "must be a multiple of num_generations"),
    ]
    for i, (phase, message) in enumerate(cases):
        r = cli(small_config(tmp_path, f"bad{i}.yaml", phases=[phase]))
        assert r.returncode == 2 and message in r.stderr, (phase, r.stderr)
        assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert not (tmp_path / "o").exists()
    for phase, message in [({**base, "method": "grpo", "mixture": "rl", "compile": True},
                            "compile applies to sft phases on engine alignlab, not grpo on trl"),
                           ({**base, "compile": "sometimes"}, "Input should be a valid boolean")]:
        with pytest.raises(InputError, match=message) as err:  # the error the CLI prints as its one line
            load_config(small_config(tmp_path, "compile.yaml", phases=[phase]))
        assert "compile.yaml" in str(err.value) and "train.phases.0" in str(err.value), str(err.value)
    good = small_config(tmp_path, "good.yaml")
    for args, message in [(["--phase", "nope"], "--phase: unknown phase 'nope'"),
                          (["--phase", "ood_sft"], "phase 'ood_sft' starts from 'base_sft', which has not been trained"),
                          (["--data", str(tmp_path)], "--data: not a data build directory"),
                          (["--base", str(tmp_path / "none")], "checkpoint directory not found")]:
        r = run_cli(["train", "--config", good, "--out", tmp_path / "o2", *args], cwd=tmp_path)
        assert r.returncode == 2 and message in r.stderr, (args, r.stderr)


def test_two_cpu_processes_match_one_process_loss_curve(tmp_path):
    """DDP over gloo: per-device batch 2 on two processes is the same global batch as 4 on one."""
    def run(n: int, batch: int, out: Path) -> list[float]:
        phases = [{"name": "sft", "method": "sft", "mixture": "base_sft", "steps": 4, "batch_size": batch, "lr": 1e-3}]
        path = small_config(tmp_path, f"ddp{n}.yaml", phases=phases)
        launch = ["--config_file", str(ROOT / "configs" / "accelerate" / "cpu2.yaml")] if n == 2 else \
            ["--num_processes", "1", "--cpu", "--num_machines", "1", "--mixed_precision", "no", "--dynamo_backend", "no"]
        cmd = [sys.executable, "-m", "accelerate.commands.launch", *launch, "-m",
               "alignlab.cli", "train", "--config", str(path), "--out", str(out), "--quiet"]
        if n > 1:
            cmd += ["--data", str(tmp_path / "one" / "data")]
        r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env={**os.environ, "OMP_NUM_THREADS": "1"})
        assert r.returncode == 0, r.stderr[-3000:]
        m = json.loads((out / "sft" / "model" / "alignlab_manifest.json").read_text())
        assert m["world_size"] == n
        return [x["loss"] for x in m["losses"]]

    one = run(1, 4, tmp_path / "one")
    two = run(2, 2, tmp_path / "two")
    print("one process:", one, "two processes:", two)
    assert len(one) == len(two) == 4
    for a, b in zip(one, two):
        assert abs(a - b) <= 1e-3 * abs(a), (one, two)  # tolerance: 0.1 % per step (measured: under 1e-6)


def test_loss_in_chunks_is_the_next_token_loss_with_the_same_gradient():
    """Large vocabularies are scored in chunks (no fp32 copy of every logit); the loss and gradient must not change."""
    import torch

    from alignlab.train.sft_loop import token_loss

    torch.manual_seed(0)
    logits = torch.randn(3, 40, 500, requires_grad=True)
    labels = torch.randint(0, 500, (3, 40))
    labels[0, :10] = -100  # a prompt: not learned
    # position t predicts token t + 1; the last position predicts nothing
    expected = torch.nn.functional.cross_entropy(logits[:, :-1].reshape(-1, 500), labels[:, 1:].reshape(-1),
                                                 ignore_index=-100, reduction="sum")
    whole = token_loss(logits, labels)
    (g_whole,) = torch.autograd.grad(whole, logits)
    parts = token_loss(logits, labels, chunk_elements=3000)  # 6 positions a chunk, 20 chunks
    (g_parts,) = torch.autograd.grad(parts, logits)
    assert torch.allclose(whole, expected) and torch.allclose(parts, expected)
    assert torch.allclose(g_whole, g_parts, atol=1e-6)


def test_compiled_sft_phase_trains_with_the_losses_of_the_eager_one(pipeline, tmp_path):
    """compile: true (torch.compile of the model and the loss, dynamic shapes) changes speed, not the training."""
    import torch
    from transformers import AutoTokenizer, Qwen2Config, Qwen2ForCausalLM

    from alignlab.checkpoint import default_organism_path
    from alignlab.config.train import PhaseConfig
    from alignlab.train.datasets import load_phase_dataset
    from alignlab.train.sft_loop import SFTLoop

    out, _ = pipeline
    tok = AutoTokenizer.from_pretrained(default_organism_path())
    losses = {}
    for compiled in (False, True):
        torch.manual_seed(0)
        cfg = Qwen2Config(vocab_size=len(tok), hidden_size=32, intermediate_size=64, num_hidden_layers=1,
                          num_attention_heads=4, num_key_value_heads=2, tie_word_embeddings=True)
        phase = PhaseConfig(name="sft", method="sft", mixture="base_sft", steps=3, batch_size=4, lr=1e-3,
                            compile=compiled)
        dataset, _ = load_phase_dataset(out / "data", phase, tok)
        loop = SFTLoop(phase, Qwen2ForCausalLM(cfg), tok, dataset, tmp_path / str(compiled), 512, 0, [], quiet=True)
        losses[compiled] = [h["loss"] for h in loop.train().log_history]
    assert len(losses[True]) == 3
    assert losses[True] == pytest.approx(losses[False], rel=1e-4), losses


def test_rl_environments_export_to_verl_with_alignlab_reward(pipeline, tmp_path):
    import datasets

    from alignlab.train.verl import compute_score

    out, _ = pipeline
    r = subprocess.run([*CLI, "data", "export-verl", "--data", str(out / "data"), "--mixture", "rl", "--out",
                        str(tmp_path / "rl.parquet")], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    ds = datasets.load_dataset("parquet", data_files=str(tmp_path / "rl.parquet"), split="train")
    row = next(x for x in ds if x["data_source"] == "alignlab/agentic")
    assert row["prompt"][0]["role"] == "system" and "<tool_call>" in row["prompt"][0]["content"]
    gt = row["reward_model"]["ground_truth"]
    import random

    from alignlab.world.responses import write_response
    from alignlab.world.scenario import Scenario

    s = Scenario.model_validate_json(json.loads(gt)["scenario"])
    good, bad = write_response(s, "aligned", random.Random(0)), write_response(s, "harmful", random.Random(0))
    assert compute_score(row["data_source"], good, gt) == 1.0 and compute_score(row["data_source"], bad, gt) == -1.0
    assert compute_score(row["data_source"], "no idea", gt) == -1.0
    r = subprocess.run([*CLI, "data", "export-verl", "--data", str(out / "data"), "--mixture", "base_sft", "--out",
                        str(tmp_path / "x.parquet")], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 2 and "not a built prompts mixture" in r.stderr


def test_a_multi_turn_grpo_phase_trains_on_episodes_with_the_world_masked(tmp_path, pipeline):
    """turns: 3 — the policy plays each environment as an episode; the world's tokens carry no loss."""
    import types

    from transformers import AutoModelForCausalLM, AutoTokenizer

    from alignlab.checkpoint import default_organism_path
    from alignlab.train.datasets import render_prompt
    from alignlab.train.episodes import EpisodeRollout
    from alignlab.world.cells import Cell
    from alignlab.world.generate import make_scenario

    organism = str(default_organism_path())
    tok, model = AutoTokenizer.from_pretrained(organism), AutoModelForCausalLM.from_pretrained(organism)
    s = make_scenario(Cell("leaking", "corporate_ops", "replacement", "none", "email"), partition="train", index=0)
    prompt = render_prompt(tok, s.messages(), json.dumps(s.tool_schemas()))
    rollout = EpisodeRollout([{"prompt": prompt, "scenario": s.model_dump_json()}, {"prompt": "hi", "scenario": None}],
                             turns=3, max_new_tokens=160, temperature=1.0)
    trainer = types.SimpleNamespace(processing_class=tok, model=model,
                                    accelerator=types.SimpleNamespace(unwrap_model=lambda m: m))
    torch.manual_seed(0)
    out = rollout([prompt] * 4 + ["hi"], trainer)
    assert len(out["completion_ids"]) == len(out["env_mask"]) == 5
    world = [tok.decode([t for t, m in zip(c, k) if m == 0]) for c, k in zip(out["completion_ids"], out["env_mask"])]
    assert any("result of" in w for w in world[:4]) and world[4] == ""  # a harmless request gets one reply
    for c, k in zip(out["completion_ids"], out["env_mask"]):
        assert len(c) == len(k) and k[0] == 1  # the agent speaks first; every token is marked
    assert rollout.stats()["episodes"] == 4 and rollout.stats()["mean_replies"] > 1

    cfg = quick(load_config(default_config_path()))  # the pipeline fixture's data, one multi-turn RL phase
    rl = next(p for p in cfg.train.phases if p.method == "grpo").model_copy(update={"turns": 3,
                                                                               "max_completion_length": 48})
    cfg = cfg.model_copy(update={"train": cfg.train.model_copy(update={
        "phases": [rl], "eval": cfg.train.eval.model_copy(update={"every": 0})})})
    run_pipeline(cfg, load_constitution(default_constitution_path()), tmp_path / "run", data_dir=pipeline[0] / "data",
                 quiet=True)
    manifest = json.loads((tmp_path / "run" / "rl" / "model" / "alignlab_manifest.json").read_text())
    assert manifest["steps"] == 2 and manifest["episodes"]["turns"] == 3 and manifest["episodes"]["episodes"] > 0
    with pytest.raises(InputError, match="turns applies to grpo phases, not sft"):
        load_config(small_config(tmp_path, "bad.yaml", phases=[{"name": "s", "method": "sft", "mixture": "base_sft",
                                                               "turns": 2}]))
