"""Docker runtime: a 50-step chain and a 200-step fan-out (parallelism 4) against the floor.

Floor: the same containers (same image, command and workflow network) created, started,
waited for and removed directly through the Docker Engine API from Python: sequentially for
the chain, by 4 workers for the fan-out. The ratio is what Argosy adds on top of Docker
(engine, store, logs, outputs, labels). Needs a Docker Engine with the test images
(``tests/dockerkit.py`` builds them).
"""

from __future__ import annotations

import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.append(str(Path(__file__).resolve().parent.parent / "tests"))  # (dockerkit; after harness)

from harness import dump, median_of, options, run_yaml, table

IMAGE = "alpine:3.18"


def chain(steps: int) -> dict[str, Any]:
    """``steps`` echo steps, each after the one before."""
    return {
        "apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow",
        "metadata": {"generateName": f"docker-chain-{steps}-"},
        "spec": {"entrypoint": "main", "templates": [
            {"name": "main", "steps": [[{"name": f"s{i}", "template": "echo",
                                         "arguments": {"parameters": [{"name": "x", "value": str(i)}]}}]
                                       for i in range(steps)]},
            {"name": "echo", "inputs": {"parameters": [{"name": "x"}]},
             "container": {"image": IMAGE, "command": ["echo"], "args": ["{{inputs.parameters.x}}"]}},
        ]},
    }


def fanout(items: int, parallelism: int) -> dict[str, Any]:
    """``items`` echo steps in one group, at most ``parallelism`` at a time."""
    return {
        "apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow",
        "metadata": {"generateName": f"docker-fanout-{items}-"},
        "spec": {"entrypoint": "main", "parallelism": parallelism, "templates": [
            {"name": "main", "steps": [[{"name": "fan", "template": "echo", "withItems": list(range(items)),
                                         "arguments": {"parameters": [{"name": "x", "value": "{{item}}"}]}}]]},
            {"name": "echo", "inputs": {"parameters": [{"name": "x"}]},
             "container": {"image": IMAGE, "command": ["echo"], "args": ["{{inputs.parameters.x}}"]}},
        ]},
    }


class DockerFloor:
    """Containers straight through the Docker API: create, start, wait, remove."""

    def __init__(self) -> None:
        import docker

        self.api = docker.from_env(max_pool_size=16).api
        self.network = f"argosy-floor-{uuid.uuid4().hex[:8]}"
        self.api.create_network(self.network, driver="bridge", internal=True)

    def one(self, i: int) -> None:
        api = self.api
        c = api.create_container(
            IMAGE, command=[str(i)], entrypoint=["echo"],
            host_config=api.create_host_config(network_mode=self.network, init=True),
            networking_config=api.create_networking_config({self.network: api.create_endpoint_config()}))
        api.start(c["Id"])
        api.wait(c["Id"])
        api.remove_container(c["Id"], force=True)

    def chain(self, steps: int) -> float:
        t0 = time.perf_counter()
        for i in range(steps):
            self.one(i)
        return time.perf_counter() - t0

    def fanout(self, items: int, width: int) -> float:
        t0 = time.perf_counter()
        with ThreadPoolExecutor(width) as pool:
            list(pool.map(self.one, range(items)))
        return time.perf_counter() - t0

    def close(self) -> None:
        self.api.remove_network(self.network)
        self.api.close()


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = options(__doc__ or "", argv, runs=1)
    import dockerkit

    from argosy.controller.controller import default_runtime as node_runtime

    ok, why = dockerkit.engine()
    if not ok:
        raise SystemExit(f"docker benchmark: {why}")
    steps, items = (10, 20) if args.quick else (50, 200)
    floor = DockerFloor()
    rows, results = [], {}
    try:
        floor.one(0)  # (warm: the image's layers are in the page cache)
        cases = [("chain", steps, 1, lambda: chain(steps), lambda: floor.chain(steps)),
                 ("fan-out", items, 4, lambda: fanout(items, 4), lambda: floor.fanout(items, 4))]
        for name, n, width, workflow, direct in cases:
            def measure(workflow: Any = workflow, direct: Any = direct) -> dict[str, float]:
                runtime = node_runtime("docker")
                try:
                    run = run_yaml(dump(workflow()), runtime)
                finally:
                    import asyncio

                    asyncio.run(runtime.process.close())
                return {"engine": run.wall, "floor": direct(), "cpu": run.cpu}

            m = median_of(args.runs, measure)
            ratio = m["engine"] / m["floor"]
            overhead = (m["engine"] - m["floor"]) / n * 1000
            results[name] = {**m, "ratio": ratio, "overhead_ms": overhead}
            rows.append([name, n, width, args.runs, m["engine"], m["floor"], ratio, overhead,
                         m["cpu"] / n * 1000])
    finally:
        floor.close()
    print(table("Docker runtime vs the Docker API floor (target: engine overhead <= 10 % of the floor)",
                ["workflow", "pods", "parallelism", "runs", "engine s", "floor s", "ratio",
                 "overhead ms/pod", "engine CPU ms/pod"], rows))
    return results


if __name__ == "__main__":
    main()
