"""Shared bits of the benchmarks: a description of the machine."""

from __future__ import annotations

import os
import platform


def machine() -> str:
    """Cores, CPU model, RAM, OS and Python, for the benchmark tables."""
    cpu = "unknown CPU"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores ({cpu}), {mem:.0f} GiB RAM, {platform.system()} {platform.machine()}, Python {platform.python_version()}"
