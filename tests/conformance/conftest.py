"""Summary line for the conformance corpus: passed, failed, skipped and why."""

from __future__ import annotations

from collections import Counter
from typing import Any

MODULE = "tests/conformance/test_conformance.py"


def _reason(report: Any) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


#: the line's label per test function: the embedded (process) mode, docker mode, server mode
MODES = {"test_corpus_file_ends_in_expected_phase": "conformance",
         "test_corpus_file_on_docker": "conformance-docker",
         "test_corpus_file_through_server": "conformance-server"}


def pytest_terminal_summary(terminalreporter: Any) -> None:
    for function, label in MODES.items():
        _summary(terminalreporter, f"{MODULE}::{function}[", label)


def _summary(terminalreporter: Any, prefix: str, label: str) -> None:
    counts: dict[str, int] = {}
    reasons: Counter[str] = Counter()
    for outcome in ("passed", "failed", "skipped"):
        reports = [r for r in terminalreporter.stats.get(outcome, [])
                   if prefix in getattr(r, "nodeid", "") and getattr(r, "when", "call") in ("call", "setup")]
        counts[outcome] = len(reports)
        if outcome == "skipped":
            reasons.update(_reason(r) for r in reports)
    if not any(counts.values()):
        return
    terminalreporter.write_line(
        f"{label}: {counts['passed']} passed, {counts['failed']} failed, "
        f"{counts['skipped']} skipped"
    )
    for reason, n in sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0])):
        terminalreporter.write_line(f"  skipped {n:3d}: {reason}")
