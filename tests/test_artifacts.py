"""The artifact store every resuming stage uses: done only under its own key, claims clear other keys' work."""

from __future__ import annotations

import json

from alignlab.artifacts import Artifact, Journal


def test_an_artifact_is_done_only_once_committed_under_its_own_key(tmp_path):
    a = Artifact(tmp_path / "stage", "k1", "manifest.json", "config_hash")
    assert a.done() is None and a.found() is None
    a.claim()
    assert a.done() is None
    a.commit({"config_hash": "k1", "samples": 3})
    assert a.done() == {"config_hash": "k1", "samples": 3}
    other = Artifact(tmp_path / "stage", "k2", "manifest.json", "config_hash")
    assert other.done() is None and other.found()["config_hash"] == "k1"


def test_a_claim_keeps_its_own_unfinished_work_and_clears_another_key_s(tmp_path):
    d = tmp_path / "phase"
    a = Artifact(d, "k1", "model/m.json", "config_hash", ("trainer", "drafts.jsonl"))
    a.claim()
    (d / "trainer").mkdir()
    (d / "trainer" / "checkpoint-4").write_text("x")
    (d / "drafts.jsonl").write_text("{}\n")
    a.claim()  # the same settings, after a kill: resume from what is there
    assert (d / "trainer" / "checkpoint-4").is_file() and (d / "drafts.jsonl").is_file()
    a.commit({"config_hash": "k1"})
    b = Artifact(d, "k2", "model/m.json", "config_hash", ("trainer", "drafts.jsonl"))
    b.claim()  # other settings: nothing of k1's is resumed, and its record is gone
    assert not (d / "trainer").exists() and not (d / "drafts.jsonl").exists()
    assert a.found() is None


def test_a_record_whose_key_is_its_directory_s_name_is_done_when_present(tmp_path):
    a = Artifact(tmp_path / "audit-abc", "abc", "audit.json", key_field=None)
    assert a.done() is None
    (tmp_path / "audit-abc").mkdir()
    (tmp_path / "audit-abc" / "audit.json").write_text(json.dumps({"flagged": 1}))
    assert a.done() == {"flagged": 1}


def test_a_journal_reads_back_whole_lines_and_cuts_a_line_a_kill_cut_short(tmp_path):
    j = Journal(tmp_path / "log.jsonl")
    assert j.read() == []
    j.append([{"key": "a"}, {"key": "b"}])
    with j.path.open("a") as fh:
        fh.write('{"key": "c", "te')  # killed mid-line
    assert j.read() == [{"key": "a"}, {"key": "b"}]
    j.append([{"key": "c"}])
    assert [r["key"] for r in j.read()] == ["a", "b", "c"]


def test_a_journal_of_other_settings_is_discarded(tmp_path):
    path = tmp_path / "partial.jsonl"
    Journal(path, {"seed": 0}).append([{"key": "a"}])
    assert Journal(path, {"seed": 0}).read() == [{"key": "a"}]
    assert Journal(path, {"seed": 1}).read() == [] and not path.exists()
    Journal(path, {"seed": 1}).append([])
    assert json.loads(path.read_text().splitlines()[0]) == {"_meta": {"seed": 1}}
