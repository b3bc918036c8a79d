"""The CLI client's settings and formatting, as argo's CLI reads and prints them."""

from __future__ import annotations

import argparse

import pytest

from argosy.cli.client import ServerConfig, configured_server, namespace_of
from argosy.cli.output import human_duration, workflow_table
from argosy.cli.verbs.logs import go_duration
from argosy.cli.verbs.workflows import apply_submit_options
from argosy.errors import ClientError


def flags(**kw: object) -> argparse.Namespace:
    base = {"argo_server": None, "secure": None, "insecure_skip_verify": False, "token": None, "namespace": None}
    return argparse.Namespace(**(base | kw))


@pytest.mark.parametrize(("env", "kw", "address", "token"), [
    ({}, {}, None, None),
    ({"ARGO_SERVER": "localhost:2746"}, {}, "http://localhost:2746", None),
    ({"ARGO_SERVER": "localhost:2746", "ARGO_SECURE": "true"}, {}, "https://localhost:2746", None),
    ({"ARGO_SERVER": "h:1", "ARGO_SECURE": "false"}, {"secure": True}, "https://h:1", None),
    ({"ARGO_SERVER": "h"}, {}, "http://h:2746", None),
    ({"ARGO_SERVER": "https://h:9/"}, {}, "https://h:9", None),
    ({"ARGO_SERVER": "h:1", "ARGO_BASE_HREF": "/argo/"}, {}, "http://h:1/argo", None),
    ({}, {"argo_server": "flag:5"}, "http://flag:5", None),
    ({"ARGO_SERVER": "env:1"}, {"argo_server": "flag:5"}, "http://flag:5", None),
    ({"ARGO_SERVER": "h:1", "ARGO_TOKEN": "abc"}, {}, "http://h:1", "Bearer abc"),
    ({"ARGO_SERVER": "h:1", "ARGO_TOKEN": "Bearer abc"}, {"token": "Bearer xyz"}, "http://h:1", "Bearer xyz"),
    ({"ARGO_SERVER": "[::1]:7"}, {}, "http://::1:7", None),
], ids=["none", "env", "secure-env", "secure-flag-wins", "default-port", "url", "base-href", "flag",
        "flag-wins", "bare-token", "token-flag-wins", "ipv6"])
def test_server_settings(env: dict[str, str], kw: dict, address: str | None, token: str | None) -> None:
    config = configured_server(flags(**kw), env)
    assert (config.address if config else None) == address
    assert (config.token if config else None) == token


def test_insecure_skip_verify_from_flag_or_env() -> None:
    assert configured_server(flags(argo_server="h:1", insecure_skip_verify=True), {}).insecure_skip_verify
    assert configured_server(flags(), {"ARGO_SERVER": "h:1", "ARGO_INSECURE_SKIP_VERIFY": "true"}).insecure_skip_verify


def test_bad_port_is_an_error_naming_it() -> None:
    with pytest.raises(ClientError, match="not a number"):
        ServerConfig.parse("h:port")


@pytest.mark.parametrize(("kw", "env", "expected"), [
    ({}, {}, "default"), ({}, {"ARGO_NAMESPACE": "argo"}, "argo"), ({"namespace": "x"}, {"ARGO_NAMESPACE": "argo"}, "x"),
])
def test_namespace(kw: dict, env: dict[str, str], expected: str) -> None:
    assert namespace_of(flags(**kw), env) == expected


@pytest.mark.parametrize(("seconds", "text"), [
    (0, "0s"), (59, "59s"), (119, "119s"), (125, "2m5s"), (600, "10m"), (3 * 3600, "3h"),
    (3 * 3600 + 120, "3h2m"), (30 * 3600, "30h"), (50 * 3600, "2d2h"), (10 * 86400, "10d"),
])
def test_human_duration(seconds: int, text: str) -> None:
    assert human_duration(seconds) == text


@pytest.mark.parametrize(("text", "seconds"), [("30s", 30), ("5m", 300), ("1h30m", 5400), ("1.5s", 2)])
def test_go_duration(text: str, seconds: int) -> None:
    assert go_duration(text) == seconds


def test_go_duration_rejects_garbage() -> None:
    with pytest.raises(ClientError, match="duration"):
        go_duration("5 minutes")


def test_submit_options_set_parameters_entrypoint_labels_and_name() -> None:
    wf = {"metadata": {"generateName": "x-", "labels": {"a": "1"}},
          "spec": {"arguments": {"parameters": [{"name": "msg", "value": "old"}]}}}
    args = argparse.Namespace(name="fixed", generate_name=None, entrypoint="other", labels="b=2,c=3")
    apply_submit_options(wf, args, {"msg": "new", "extra": "e"})
    assert wf["metadata"] == {"name": "fixed", "labels": {"a": "1", "b": "2", "c": "3"}}
    assert wf["spec"]["entrypoint"] == "other"
    assert wf["spec"]["arguments"]["parameters"] == [{"name": "msg", "value": "new"},
                                                     {"name": "extra", "value": "e"}]


def test_list_table_columns_like_argo() -> None:
    wf = {"metadata": {"name": "hello", "creationTimestamp": "2026-01-01T00:00:00Z"},
          "spec": {"arguments": {"parameters": [{"name": "p", "value": "v"}]}},
          "status": {"phase": "Succeeded", "startedAt": "2026-01-01T00:00:00Z",
                     "finishedAt": "2026-01-01T00:00:10Z",
                     "nodes": {"a": {"type": "Pod", "phase": "Succeeded"}}}}
    now = 1767225600 + 120  # two minutes after creation
    lines = workflow_table([wf], now=now).splitlines()
    assert lines[0].split() == ["NAME", "STATUS", "AGE", "DURATION", "PRIORITY", "MESSAGE"]
    assert lines[1].split() == ["hello", "Succeeded", "2m", "10s", "0"]
    wide = workflow_table([wf], "wide", now=now).splitlines()
    assert wide[0].split()[-2:] == ["P/R/C", "PARAMETERS"] and wide[1].split()[-2:] == ["0/0/1", "p=v"]


@pytest.mark.parametrize(("kw", "expected"), [
    ({}, {"logOptions.container": "main"}),
    ({"follow": True, "container": "wait"}, {"logOptions.container": "wait", "logOptions.follow": "true"}),
    ({"since": "5m", "tail": 3, "grep": "x"}, {"logOptions.container": "main", "logOptions.sinceSeconds": 300,
                                              "logOptions.tailLines": 3, "grep": "x"}),
    ({"since_time": "2026-01-01T00:00:10Z"}, {"logOptions.container": "main",
                                             "logOptions.sinceTime.seconds": 1767225610}),
], ids=["default", "follow-container", "since-tail-grep", "since-time"])
def test_log_options_as_argo_sends_them(kw: dict, expected: dict) -> None:
    from argosy.cli.verbs.logs import log_params

    args = argparse.Namespace(**({"container": "main", "tail": -1} | kw))
    params = {k: v for k, v in log_params(args, None, bool(kw.get("follow"))).items() if v is not None}
    assert params == expected
