"""``kubectl patch --type merge`` (RFC 7386) and ``--type json`` (RFC 6902), table-driven."""

from __future__ import annotations

from typing import Any

import pytest

from argosy.errors import ResourceError
from argosy.spec.patch import json_patch, merge_patch

DOC = {"metadata": {"name": "x", "labels": {"a": "1"}}, "data": {"k": "v"}, "list": [1, 2, 3]}


@pytest.mark.parametrize(("patch", "result"), [
    ({"data": {"k2": "v2"}}, {**DOC, "data": {"k": "v", "k2": "v2"}}),
    ({"data": {"k": None}}, {**DOC, "data": {}}),                        # null removes
    ({"list": [9]}, {**DOC, "list": [9]}),                               # lists are replaced
    ({"metadata": {"labels": None}}, {**DOC, "metadata": {"name": "x"}}),
    ({"new": {"deep": None, "kept": 1}}, {**DOC, "new": {"kept": 1}}),
])
def test_merge_patch(patch: dict[str, Any], result: dict[str, Any]) -> None:
    before = repr(DOC)
    assert merge_patch(DOC, patch) == result
    assert repr(DOC) == before  # the target is not modified


@pytest.mark.parametrize(("ops", "result"), [
    ([{"op": "add", "path": "/metadata/labels/foo", "value": "bar"}],
     {**DOC, "metadata": {"name": "x", "labels": {"a": "1", "foo": "bar"}}}),
    ([{"op": "add", "path": "/list/-", "value": 4}], {**DOC, "list": [1, 2, 3, 4]}),
    ([{"op": "add", "path": "/list/0", "value": 0}], {**DOC, "list": [0, 1, 2, 3]}),
    ([{"op": "remove", "path": "/list/1"}], {**DOC, "list": [1, 3]}),
    ([{"op": "replace", "path": "/data/k", "value": "w"}], {**DOC, "data": {"k": "w"}}),
    ([{"op": "move", "from": "/data/k", "path": "/data/m"}], {**DOC, "data": {"m": "v"}}),
    ([{"op": "copy", "from": "/data/k", "path": "/data/c"}], {**DOC, "data": {"k": "v", "c": "v"}}),
    ([{"op": "test", "path": "/data/k", "value": "v"}, {"op": "remove", "path": "/data"}],
     {k: v for k, v in DOC.items() if k != "data"}),
    ([{"op": "add", "path": "/metadata/labels/a~1b", "value": "s"}],
     {**DOC, "metadata": {"name": "x", "labels": {"a": "1", "a/b": "s"}}}),
])
def test_json_patch(ops: list[dict[str, Any]], result: dict[str, Any]) -> None:
    assert json_patch(DOC, ops) == result


@pytest.mark.parametrize(("ops", "message"), [
    ({"op": "add"}, "must be a list of operations"),
    ([{"op": "add", "path": "/nope/deeper", "value": 1}], "'/nope/deeper' does not exist"),
    ([{"op": "replace", "path": "/data/none", "value": 1}], "replace of '/data/none': it does not exist"),
    ([{"op": "remove", "path": "/list/7"}], "index '7' of '/list/7' is out of range"),
    ([{"op": "test", "path": "/data/k", "value": "other"}], "test of '/data/k' failed"),
    ([{"op": "frob", "path": "/data"}], "unknown op 'frob'"),
    ([{"op": "add", "path": "data", "value": 1}], "a JSON pointer starts with '/'"),
    ([{"path": "/data"}], "operation 0 needs 'op' and 'path'"),
    ([{"op": "add", "path": "/data"}], "operation 0 (add) needs 'value'"),
])
def test_json_patch_errors_name_the_operation(ops: Any, message: str) -> None:
    with pytest.raises(ResourceError) as err:
        json_patch(DOC, ops)
    assert message in str(err.value)
