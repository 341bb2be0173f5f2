"""`make bench`: every benchmark of bench/ in production mode (PostgreSQL, Redis, `rq worker`
processes), one table at the end: figure, target, measured, ratio (measured / target; ≤ 1 is met).

Each benchmark runs in its own process (each creates its app on its own database)."""

import json
import os
import platform
import subprocess
import sys
import time

from bench import common

MARK = "BENCH-ROWS "
BENCHMARKS = [
    ("load", "load.figures(load.main(['--sizes', '10000,100000']))"),
    ("formation", "formation.main([])"),
    ("documents", "documents.main(['--runs', '1'])"),
    ("erz_mek", "erz_mek.main([])"),  # 1,000,000-person ЕРЗ, 5,000,000 earlier cases
    ("delete", "delete.main([])"),  # «Удалить данные файла», 100,000 of 1,100,000 cases
    ("hostile", "hostile.main([])"),  # peak memory of the web and the worker under hostile uploads
    ("analytics", "analytics.main([])"),  # «Аналитика» over 5,000,000 cases: the refresh, the pages
    ("scale_out", "scale_out.main([])"),  # 100,000 cases with 1 and 2 workers; the month end of 20 МО
]


def run(module: str, expression: str) -> list[dict]:
    code = (
        f"import json; from bench import {module}; rows = {expression}; print({MARK!r} + json.dumps(rows), flush=True)"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=common.ROOT, stdout=subprocess.PIPE, text=True)
    rows = []
    for line in proc.stdout:
        if line.startswith(MARK):
            rows = json.loads(line[len(MARK) :])
        else:
            print(line, end="", flush=True)
    if proc.wait() != 0:
        raise SystemExit(f"bench.{module} failed (exit code {proc.returncode})")
    return rows


def machine() -> str:
    mem = ""
    try:
        with open("/proc/meminfo") as fh:
            mem = f", {int(fh.readline().split()[1]) / 2**20:.1f} GiB RAM"
    except OSError:
        pass
    return f"{platform.node()}: {os.cpu_count()} CPUs{mem}, Python {platform.python_version()}"


def main() -> None:
    started = time.perf_counter()
    rows = []
    for module, expression in BENCHMARKS:
        rows += run(module, expression)
    print()
    print(
        f"make bench — {time.strftime('%Y-%m-%d %H:%M')}, {machine()}, {(time.perf_counter() - started) / 60:.0f} min"
    )
    print(common.table(rows))


if __name__ == "__main__":
    main()
