"""Run the ``council-archive`` command line with the cluster's actors on the fake engine.

For the kill -9 test in tests/test_cluster.py: production code has no test hooks, so
this driver wraps :func:`archive.cluster.cluster_work` to give the actors
:class:`tests.cluster_fakes.FakeEngineFactory` (``--delay`` seconds per segment, so the
test can kill it mid-file), then runs the real ``desktop.launcher.main(ARGS)``.

    python tests/cluster_driver.py [--delay S] -- ARGS...
"""

from __future__ import annotations

import argparse
import functools
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import archive.cluster  # noqa: E402
from tests.cluster_fakes import FakeDiarizerFactory, FakeEngineFactory  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--delay", type=float, default=0.0)
    parser.add_argument("args", nargs=argparse.REMAINDER)
    opts = parser.parse_args()
    args = opts.args[1:] if opts.args[:1] == ["--"] else opts.args
    archive.cluster.cluster_work = functools.partial(archive.cluster.cluster_work,
                                                     factory=FakeEngineFactory(opts.delay),
                                                     diarizer_factory=FakeDiarizerFactory())
    from desktop.launcher import main as launch

    return launch(args)


if __name__ == "__main__":
    sys.exit(main())
