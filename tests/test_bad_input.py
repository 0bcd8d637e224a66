"""Bad input: one clear line naming the file and field, non-zero exit, no half-written output."""

from __future__ import annotations

import shutil

import pytest
from typer.testing import CliRunner

from alignlab.cli import app
from alignlab.config import load_config
from alignlab.errors import InputError

from .conftest import ROOT

runner = CliRunner()


def _one_line_error(result, *needles):
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.strip().splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    for n in needles:
        assert n in lines[0], lines[0]


def test_unknown_cell_in_split_spec(tmp_path):
    split = tmp_path / "split.yaml"
    split.write_text("in_distribution:\n  family: [blackmail]\n  domain: [hospital]\n  urgency: [replacement]\n"
                     "  goal: [none]\n  format: [email]\n")
    out = tmp_path / "s.jsonl"
    r = runner.invoke(app, ["world", "scenarios", "--split", str(split), "--out", str(out)])
    _one_line_error(r, "split.yaml", "in_distribution.domain", "hospital")
    assert not out.exists()


def test_malformed_constitution(tmp_path):
    bad = tmp_path / "c.md"
    bad.write_text("# Constitution: x\n\n## oversight: Oversight\n\n**Principle:** Accept shutdown.\n\n**Why:**\n\n"
                   "**Behaviours:**\n- accept it\n")
    r = runner.invoke(app, ["constitution", "check", str(bad)])
    _one_line_error(r, "c.md", "why")


def test_missing_checkpoint_directory(tmp_path):
    out = tmp_path / "r.json"
    r = runner.invoke(app, ["eval", "--model", str(tmp_path / "nope"), "--out", str(out),
                            "--config", str(ROOT / "configs" / "demo.yaml")])
    _one_line_error(r, "nope", "not found")
    assert not out.exists()


def test_corrupt_checkpoint(tmp_path, quick_organism):
    broken = tmp_path / "broken"
    shutil.copytree(quick_organism, broken)
    (broken / "model.safetensors").write_bytes(b"\x00garbage" * 10)
    r = runner.invoke(app, ["eval", "--model", str(broken), "--out", str(tmp_path / "r.json"),
                            "--config", str(ROOT / "configs" / "demo.yaml")])
    _one_line_error(r, "model.safetensors", "corrupt")
    (broken / "model.safetensors").unlink()
    r = runner.invoke(app, ["eval", "--model", str(broken), "--out", str(tmp_path / "r.json"),
                            "--config", str(ROOT / "configs" / "demo.yaml")])
    _one_line_error(r, "model.safetensors", "missing")
    assert not (tmp_path / "r.json").exists()


def test_config_error_names_the_field(tmp_path):
    cfg = tmp_path / "x.yaml"
    cfg.write_text("name: x\norganism:\n  pretrain:\n    steps: -3\n")
    with pytest.raises(InputError) as exc:
        load_config(cfg)
    assert "x.yaml" in str(exc.value) and "organism.pretrain.steps" in str(exc.value)
    cfg.write_text("name: x\nevals: {}\n")
    with pytest.raises(InputError, match="evals"):
        load_config(cfg)


@pytest.mark.parametrize(("model", "needle"), [
    ("{architecture: mamba}", "organism.model.architecture: Input should be 'hybrid' or 'llama'"),
    ("{architecture: hybrid, layers: 1}", "a hybrid model needs layers >= 2"),
    ("{hidden_size: 100, heads: 3}", "hidden_size 100 is not a multiple of heads 3"),
])
def test_a_model_shape_that_cannot_be_built_is_refused(tmp_path, model, needle):
    cfg = tmp_path / "x.yaml"
    cfg.write_text(f"name: x\norganism:\n  model: {model}\n")
    r = runner.invoke(app, ["organism", "build", "--config", str(cfg), "--out", str(tmp_path / "org")])
    _one_line_error(r, "x.yaml", needle)
    assert not (tmp_path / "org").exists()


def test_unknown_suite(tmp_path, quick_organism):
    r = runner.invoke(app, ["eval", "--model", str(quick_organism), "--suites", "agentic,vibes",
                            "--out", str(tmp_path / "r.json"), "--config", str(ROOT / "configs" / "demo.yaml")])
    _one_line_error(r, "--suites", "vibes")


@pytest.mark.parametrize("args,needle", [
    (["--samples", "0"], "--samples"),
    (["--samples", "-1"], "--samples"),
    (["--remote", "--model", "nosuchprovider/model"], "--model"),
    (["--remote"], "--model"),
    (["--suites", ","], "--suites"),
    (["--fresh-specifics", "-1"], "--fresh-specifics"),
])
def test_eval_options_are_checked_before_any_work(tmp_path, args, needle):
    out = tmp_path / "r.json"
    r = runner.invoke(app, ["eval", "--out", str(out), *args])
    _one_line_error(r, needle)
    assert not list(tmp_path.iterdir())


def test_eval_out_must_be_a_json_file(tmp_path):
    r = runner.invoke(app, ["eval", "--out", str(tmp_path)])
    _one_line_error(r, "--out")


def test_scenario_file_errors_name_the_entry_and_field(tmp_path):
    bad = tmp_path / "s.yaml"
    bad.write_text("- id: a\n  family: murder\n")
    r = runner.invoke(app, ["eval", "--out", str(tmp_path / "r.json"), "--scenarios", str(bad)])
    _one_line_error(r, "s.yaml", "[0].family")
    assert not (tmp_path / "r.json").exists()


def test_unknown_partition_and_device(tmp_path):
    _one_line_error(runner.invoke(app, ["world", "scenarios", "--partition", "bogus"]), "--partition")
    _one_line_error(runner.invoke(app, ["organism", "build", "--device", "tpu", "--out", str(tmp_path / "o")]), "--device")
    assert not (tmp_path / "o").exists()


def test_a_remote_openai_api_model_needs_a_base_url_and_a_key(tmp_path, monkeypatch):
    monkeypatch.delenv("LOCAL_BASE_URL", raising=False)
    monkeypatch.setenv("LOCAL_API_KEY", "unused")
    args = ["eval", "--out", str(tmp_path / "r.json"), "--remote", "--model", "openai-api/local/x"]
    _one_line_error(runner.invoke(app, args), "--model openai-api/local/x: set --base-url or LOCAL_BASE_URL")
    monkeypatch.delenv("LOCAL_API_KEY")
    _one_line_error(runner.invoke(app, [*args, "--base-url", "http://127.0.0.1:9/v1"]), "--model", "LOCAL_API_KEY")
    _one_line_error(runner.invoke(app, ["eval", "--out", str(tmp_path / "r.json"), "--base-url", "http://x/v1"]),
                    "--base-url", "--remote")
    assert not list(tmp_path.iterdir())
