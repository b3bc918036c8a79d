"""Profile a benchmark workload with pyinstrument: ``python benchmarks/profile_hot.py w2|w5|w1``.

``w2``: fan-out of 1,000 at parallelism 4 (process runtime); ``w5``: 10,000 nodes on the
fake runtime; ``w1``: a chain of 1,000 steps. Prints pyinstrument's text report; needs
``pip install pyinstrument``.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import dump, run_yaml


def main(argv: list[str] | None = None) -> None:
    from pyinstrument import Profiler

    which = (argv or sys.argv[1:] or ["w2"])[0]
    if which == "w2":
        from w2_fanout import fanout

        text, runtime = dump(fanout(1000, 4)), None
    elif which == "w5":
        from w5_scale import answer
        from w5_scale import fanout as scale

        from argosy.runtime.base import FakeRuntime

        text, runtime = dump(scale(10000)), FakeRuntime(answer)
    elif which == "w1":
        from w1_chain import chain

        text, runtime = dump(chain(1000)), None
    else:
        raise SystemExit("usage: profile_hot.py w1|w2|w5")
    profiler = Profiler(interval=0.0005, async_mode="disabled")
    profiler.start()
    run = run_yaml(text, runtime=runtime)
    profiler.stop()
    print(f"{which}: wall {run.wall:.2f} s, CPU {run.cpu:.2f} s")
    print(profiler.output_text(unicode=False, color=False, show_all=False))


if __name__ == "__main__":
    main()
