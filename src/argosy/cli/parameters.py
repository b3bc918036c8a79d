"""``-p NAME=VALUE`` and ``--parameter-file``: what every submitting verb reads the same way."""

from __future__ import annotations

import json

from argosy.errors import Location, SpecError


def parse_parameters(pairs: list[str], parameter_file: str | None) -> dict[str, str]:
    """``--parameter-file`` (YAML or JSON, one mapping of name: value) overridden by ``-p`` pairs
    (non-strings as JSON)."""
    from argosy.spec.load import parse_documents, read_manifest_file

    params: dict[str, str] = {}
    if parameter_file:
        # the manifest reader: the same size, nesting and alias bounds, one-line errors
        documents = [d for d in parse_documents(read_manifest_file(parameter_file), parameter_file) if d is not None]
        loaded = documents[0] if len(documents) == 1 else {} if not documents else documents
        if not isinstance(loaded, dict):
            names = {list: "a list", str: "a string", bool: "a boolean", int: "a number", float: "a number"}
            got = "several documents" if loaded is documents else names.get(type(loaded), "a scalar")
            raise SpecError(f"a parameter file must be one mapping of name: value, got {got}",
                            Location(file=parameter_file))
        params.update({str(k): v if isinstance(v, str) else json.dumps(v) for k, v in loaded.items()})
    for pair in pairs:
        if "=" not in pair:
            raise SpecError(f"-p {pair!r}: expected NAME=VALUE")
        name, value = pair.split("=", 1)
        params[name] = value
    return params
