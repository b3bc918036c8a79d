"""``resources.limits`` are enforced for process-runtime steps, and an OOM kill reads as in Argo."""

from __future__ import annotations

from decimal import Decimal

import pytest
from podkit import RunPod, container

from argosy.errors import RuntimeFailure
from argosy.runtime.limits import Cgroups, Limits, quantity

GREEDY = "x = b'a' * (400 * 1024 * 1024); print(len(x))"


@pytest.fixture(autouse=True)
def _cgroups() -> None:
    if Cgroups().make("probe", Limits(memory=1 << 30)) is None:
        pytest.skip("no writable cgroup hierarchy here (limits fall back to rlimits)")


@pytest.mark.parametrize(("text", "value"), [
    ("512Mi", 512 * 2**20), ("1G", 10**9), ("1.5Gi", 3 * 2**29), ("100", 100), ("1e3", 1000),
    ("500m", Decimal("0.5")), ("2", 2),
])
def test_quantities_read_as_kubernetes_reads_them(text: str, value: object) -> None:
    assert quantity(text, "f") == value


def test_a_malformed_quantity_is_an_error_naming_the_field(run: RunPod) -> None:
    with pytest.raises(RuntimeFailure, match="resources.limits.memory"):
        quantity("lots", "resources.limits.memory")
    r = run(container("true", spec={"resources": {"limits": {"memory": "lots"}}}))
    assert r.phase == "Error"
    assert "resources.limits.memory" in (r.message or "")


def test_a_step_over_its_memory_limit_is_oom_killed(run: RunPod) -> None:
    r = run(container("python3", "-c", GREEDY, spec={"resources": {"limits": {"memory": "64Mi"}}}))
    assert (r.phase, r.message, r.exit_code) == ("Failed", "OOMKilled (exit code 137)", 137)


def test_a_step_within_its_memory_limit_runs(run: RunPod) -> None:
    r = run(container("python3", "-c", GREEDY, spec={"resources": {"limits": {"memory": "1Gi"}}}))
    assert (r.phase, r.outputs["result"]) == ("Succeeded", str(400 * 1024 * 1024))


def test_an_oom_killed_container_of_a_container_set(run: RunPod) -> None:
    tpl = {"containerSet": {"containers": [
        {"name": "greedy", "image": "python:3", "command": ["python3", "-c", GREEDY],
         "resources": {"limits": {"memory": "64Mi"}}},
        {"name": "main", "image": "busybox", "command": ["echo", "hi"], "dependencies": ["greedy"]},
    ]}}
    r = run(tpl)
    assert (r.phase, r.message, r.exit_code) == ("Failed", 'container "greedy" failed: OOMKilled (exit code 137)', 137)


def test_cpu_limit_is_a_cfs_quota_the_step_runs_under(run: RunPod) -> None:
    show = ("p=$(grep -E '^[0-9]+:([^:]*,)?cpu(,[^:]*)?:' /proc/self/cgroup | cut -d: -f3); "
            "cat /sys/fs/cgroup/cpu$p/cpu.cfs_quota_us 2>/dev/null || cut -d' ' -f1 /sys/fs/cgroup$p/cpu.max")
    r = run(container("sh", "-c", show, spec={"resources": {"limits": {"cpu": "250m"}}}))
    assert (r.phase, r.outputs["result"]) == ("Succeeded", "25000")
