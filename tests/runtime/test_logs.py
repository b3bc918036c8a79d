"""A workflow's log journal: containers' chunks interleave, each reads back whole."""

from __future__ import annotations

from pathlib import Path

from argosy.runtime.logs import LogJournal, journal_path, read_journal, read_log


def test_interleaved_containers_read_back_separately(tmp_path: Path) -> None:
    journal = LogJournal(journal_path(tmp_path, "wf"))
    journal.write("wf-a-1", "main", "stdout", b"a says\n")
    journal.write("wf-b-2", "main", "stdout", b"b says\n")
    journal.write("wf-a-1", "main", "stderr", b"a warns\n")
    journal.write("wf-a-1", "sidecar", "stdout", b"side\n")
    journal.write("wf-a-1", "main", "stdout", b"")  # nothing written for an empty chunk
    journal.close()
    assert read_log(tmp_path, "wf", "wf-a-1") == b"a says\na warns\n"
    assert read_log(tmp_path, "wf", "wf-b-2") == b"b says\n"
    assert read_log(tmp_path, "wf", "wf-a-1", "sidecar") == b"side\n"
    assert [r.source for r in read_journal(journal_path(tmp_path, "wf"))] == [
        "wf-a-1", "wf-b-2", "wf-a-1", "wf-a-1-sidecar"]


def test_any_bytes_round_trip(tmp_path: Path) -> None:
    data = bytes(range(256)) + b"\x1ewf-x\tmain\tstdout\t3\nabc"
    journal = LogJournal(journal_path(tmp_path, "wf"))
    journal.write("wf-x", "main", "stdout", data)
    journal.close()
    assert read_log(tmp_path, "wf", "wf-x") == data


def test_a_record_cut_short_by_a_crash_ends_the_journal(tmp_path: Path) -> None:
    path = journal_path(tmp_path, "wf")
    journal = LogJournal(path)
    journal.write("wf-x", "main", "stdout", b"whole\n")
    journal.write("wf-x", "main", "stdout", b"cut short\n")
    journal.close()
    path.write_bytes(path.read_bytes()[:-4])
    assert read_log(tmp_path, "wf", "wf-x") == b"whole\n"


def test_no_journal_reads_as_nothing(tmp_path: Path) -> None:
    assert read_log(tmp_path, "missing", "pod") == b""


def test_a_journal_that_cannot_be_written_is_dropped_quietly(tmp_path: Path) -> None:
    (tmp_path / "logs").write_text("a file where the logs directory should be")
    journal = LogJournal(journal_path(tmp_path, "wf"))
    journal.write("wf-x", "main", "stdout", b"lost\n")  # no error: the node's outcome stands
    assert read_log(tmp_path, "wf", "wf-x") == b""
