"""The public names of ``argosy.spec`` and ``argosy.lint`` are curated and importable."""

from __future__ import annotations

import pytest

import argosy.lint
import argosy.spec


@pytest.mark.parametrize("module", [argosy.spec, argosy.lint], ids=["spec", "lint"])
def test_all_is_unique_and_importable(module: object) -> None:
    names = module.__all__  # type: ignore[attr-defined]
    assert len(set(names)) == len(names)
    for name in names:
        assert hasattr(module, name), name


def test_lint_api() -> None:
    assert argosy.lint.__all__ == ["format_problems", "lint_objects", "lint_paths", "schedule_problem"]
