"""``-p NAME=VALUE`` and ``--parameter-file``: what every submitting verb reads the same way."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from argosy.errors import SpecError


def parse_parameters(pairs: list[str], parameter_file: str | None) -> dict[str, str]:
    """The parameters given, the file's first and ``-p`` over them (non-strings as JSON)."""
    params: dict[str, str] = {}
    if parameter_file:
        loaded = yaml.safe_load(Path(parameter_file).read_text()) or {}
        if not isinstance(loaded, dict):
            raise SpecError("parameter file must be a map of name: value", None)
        params.update({str(k): v if isinstance(v, str) else json.dumps(v) for k, v in loaded.items()})
    for pair in pairs:
        if "=" not in pair:
            raise SpecError(f"-p {pair!r}: expected NAME=VALUE")
        name, value = pair.split("=", 1)
        params[name] = value
    return params
