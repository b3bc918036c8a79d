"""``argosy lint``: every problem in a set of manifests, each naming file, object, template and field.

Sits between ``expr`` and ``engine``: it uses ``spec`` to load and resolve, and ``expr`` to
parse ``{{...}}`` tags, expressions and ``depends``.
"""

from __future__ import annotations

from argosy.lint.cron import schedule_problem
from argosy.lint.run import format_problems, lint_objects, lint_paths

__all__ = ["format_problems", "lint_objects", "lint_paths", "schedule_problem"]
