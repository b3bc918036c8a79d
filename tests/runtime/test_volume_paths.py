"""Spec-given paths never resolve outside their volume, even when lint is bypassed."""

from __future__ import annotations

from pathlib import Path

import pytest
from podkit import RunPod, container

from argosy.runtime.namespaces import own


def _mounting(sub: str, volume: dict, command: str = "ls /m") -> dict:
    return {"volumes": [volume],
            **container("sh", "-c", command, spec={"volumeMounts": [{"name": "v", "mountPath": "/m", "subPath": sub}]})}


@pytest.mark.parametrize("sub", ["../../../../../../etc", "/etc", "a/../../.."], ids=["dotdot", "absolute", "inner"])
def test_sub_path_leaving_its_volume_is_an_error(run: RunPod, sub: str) -> None:
    r = run(_mounting(sub, {"name": "v", "emptyDir": {}}))
    assert r.phase == "Error"
    assert 'volumeMounts[0].subPath: Invalid value: "' + sub in (r.message or "")


def test_sub_path_through_a_symlink_a_step_planted_is_an_error(run: RunPod, tmp_path: Path) -> None:
    vol = tmp_path / "claim"
    vol.mkdir()
    own(str(vol))
    (vol / "escape").symlink_to("/etc")  # as a previous step could have left it
    r = run(_mounting("escape", {"name": "v", "hostPath": {"path": str(vol)}}, "ls /m/passwd"))
    assert r.phase == "Error"
    assert "symbolic link" in (r.message or "")


@pytest.mark.parametrize("kind", ["secret", "configMap"])
def test_item_path_leaving_its_volume_is_an_error(run: RunPod, kind: str) -> None:
    src = {"secretName": "sec"} if kind == "secret" else {"name": "cm"}
    key = "password" if kind == "secret" else "greeting"
    vol = {"name": "v", kind: {**src, "items": [{"key": key, "path": "../../../tmp/x"}]}}
    tpl = {"volumes": [vol], **container("true", spec={"volumeMounts": [{"name": "v", "mountPath": "/m"}]})}
    r = run(tpl)
    assert r.phase == "Error"
    assert f'{kind}.items[0].path: Invalid value: "../../../tmp/x"' in (r.message or "")


def test_claim_name_that_is_a_path_is_an_error(run: RunPod, tmp_path: Path) -> None:
    r = run(container("true", spec={"volumeMounts": [{"name": "v", "mountPath": "/m"}]}),
            volumes=({"name": "v", "persistentVolumeClaim": {"claimName": "../../../outside"}},))
    assert r.phase == "Error"
    assert 'claimName: Invalid value: "../../../outside"' in (r.message or "")


def test_sub_path_inside_its_volume_is_created_and_mounted(run: RunPod) -> None:
    r = run(_mounting("a/b", {"name": "v", "emptyDir": {}}, "echo x > /m/f && cat /m/f"))
    assert (r.phase, r.outputs["result"]) == ("Succeeded", "x")


def test_secret_files_exist_only_inside_the_sandbox(run: RunPod) -> None:
    tpl = {"volumes": [{"name": "v", "secret": {"secretName": "sec"}}],
           **container("sh", "-c", "cat /m/password; grep -c ' /m ' /proc/self/mounts",
                       spec={"volumeMounts": [{"name": "v", "mountPath": "/m"}]})}
    r = run(tpl)
    assert (r.phase, r.outputs["result"]) == ("Succeeded", "s3cret1")
    # the file is on the sandbox's own tmpfs: never on a host file system
    found = [p for p in Path("/dev/shm").rglob("password") if p.read_text(errors="replace") == "s3cret"]
    assert found == []
