"""Run every benchmark in turn (``--quick``: the smoke mode, well under a minute)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import server_get
import server_idle_memory
import w1_chain
import w2_fanout
import w3_lattice
import w4_submit
import w5_scale
import w6_concurrent


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    t0 = time.perf_counter()
    for bench in (w1_chain, w2_fanout, w3_lattice, w5_scale, w4_submit, w6_concurrent, server_get,
                  server_idle_memory):
        print(f"\n## {bench.__name__}", flush=True)
        bench.main(argv)
        sys.stdout.flush()
    print(f"\nall benchmarks: {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
