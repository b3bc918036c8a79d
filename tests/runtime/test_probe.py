"""The sandbox probe: whether bubblewrap works here, said up front with what to do if not."""

from __future__ import annotations

import shutil

import pytest

from argosy.errors import RuntimeFailure
from argosy.runtime import probe


@pytest.mark.parametrize(("bwrap", "says"), [
    ("", r"needs bubblewrap \(bwrap\): install bubblewrap"),
    ("/bin/false", "bubblewrap cannot create a sandbox here"),
    ("/nonexistent/bwrap", "No such file or directory"),
], ids=["not-installed", "fails", "missing-path"])
def test_a_machine_that_cannot_sandbox_is_told_what_to_do(bwrap: str, says: str) -> None:
    with pytest.raises(RuntimeFailure, match=says):
        probe.check_sandbox(bwrap)


def test_a_probe_started_early_is_judged_once() -> None:
    bwrap = shutil.which("bwrap")
    if not bwrap:
        pytest.skip("bubblewrap is not installed")
    probe.start_probe(bwrap)
    assert bwrap in probe._started
    probe.check_sandbox(bwrap)  # the early probe's answer: this machine sandboxes
    assert bwrap not in probe._started
    probe.check_sandbox(bwrap)  # a later check probes afresh


def test_an_early_probe_of_a_broken_bwrap_fails_the_check() -> None:
    probe.start_probe("/bin/false")
    with pytest.raises(RuntimeFailure, match="cannot create a sandbox"):
        probe.check_sandbox("/bin/false")
