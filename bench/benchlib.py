"""Shared bits of the benchmarks: a description of the machine, the process tree's memory."""

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


def descendants(pid: int) -> list[int]:
    """``pid`` and every process below it (children of children included)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    out, stack = [], [pid]
    while stack:
        p = stack.pop()
        out.append(p)
        stack.extend(children.get(p, []))
    return out


def proc_kb(path: str, key: str) -> int:
    try:
        with open(path) as fh:
            for line in fh:
                if line.startswith(key):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def tree_rss_kb(pid: int) -> int:
    """Summed resident memory (kB) of ``pid`` and every process below it."""
    return sum(proc_kb(f"/proc/{p}/status", "VmRSS:") for p in descendants(pid))


def replace_section(path, heading: str, text: str) -> None:
    """Replace the ``heading`` section of a Markdown file (up to the next heading of the
    same level), or append ``text`` at the end when there is none."""
    current = path.read_text()
    if heading + "\n" not in current:
        path.write_text(current.rstrip() + "\n\n" + text)
        return
    level = heading.split(" ", 1)[0] + " "
    before, _, rest = current.partition(heading + "\n")
    after = rest[rest.index("\n" + level) + 1:] if "\n" + level in rest else ""
    path.write_text(before + text + ("\n" + after if after else ""))
