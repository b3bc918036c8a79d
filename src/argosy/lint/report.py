"""Collect problems for one object, each naming file, object and field."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from argosy.errors import Location, SpecError
from argosy.spec import Manifest

#: More candidates than this get no suggestion: difflib compares the name with each, and
#: a file of N objects with N misspelt references must not take N² comparisons.
MAX_SUGGESTION_CANDIDATES = 500


def did_you_mean(name: str, candidates: Iterable[str]) -> str:
    """`` (did you mean "x"?)`` for the closest candidate, or an empty string."""
    unique = set(candidates)
    if len(unique) > MAX_SUGGESTION_CANDIDATES or len(name) > 253:
        return ""
    close = difflib.get_close_matches(name, sorted(unique), n=1, cutoff=0.6)
    return f' (did you mean "{close[0]}"?)' if close else ""


class Report:
    """The problems found in one manifest."""

    def __init__(self, manifest: Manifest) -> None:
        self.manifest = manifest
        self.problems: list[SpecError] = []

    def add(self, field: str | None, reason: str) -> None:
        """Record one problem at ``field`` (a dotted path such as ``templates.main.steps[0][1]``)."""
        m = self.manifest
        location = Location(file=m.source, kind=m.kind, name=m.display_name or None, field=field or None)
        self.problems.append(SpecError(reason, location))
