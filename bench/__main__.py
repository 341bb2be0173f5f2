"""`make bench`: every benchmark of bench/ in production mode (PostgreSQL, Redis, `rq worker`
processes), one table at the end: figure, target, measured, ratio (measured / target; ≤ 1 is met)."""
import os
import platform
import time

from bench import common, documents, formation, load


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
    rows += load.figures(load.main(["--sizes", "10000,100000"]))
    rows += formation.main([])
    rows += documents.main(["--runs", "1"])
    print()
    print(f"make bench — {time.strftime('%Y-%m-%d %H:%M')}, {machine()}, "
          f"{(time.perf_counter() - started) / 60:.0f} min")
    print(common.table(rows))


if __name__ == "__main__":
    main()
