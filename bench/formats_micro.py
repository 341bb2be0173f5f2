"""Hand-run benchmark of the format layer (not a test; prints figures).

    cd /work/main && .venv/bin/python tests/formats/bench_formats.py [records]

Measures, on one core: the structural check of typical records (1 SL, 2 USL) and the
streaming read (+ check) of a generated H 3.2 file, and the peak memory of the read.
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from conftest import write_h, zap  # noqa: E402

from app.formats.definitions import get_definition  # noqa: E402
from app.formats.reader import read_file  # noqa: E402
from app.formats.structure import check_record  # noqa: E402


def main(n: int = 50_000) -> None:
    d = get_definition("H", "3.2")
    records = [zap(i, "3.2") for i in range(1, 1001)]
    elements = sum(1 for _ in records[0].walk())
    check_record(d, records[0])  # compile
    t = time.perf_counter()
    loops = max(1, n // len(records))
    for _ in range(loops):
        for r in records:
            if check_record(d, r):
                raise SystemExit("sample record has findings")
    dt = time.perf_counter() - t
    total = loops * len(records)
    print(f"structure: {total} records ({elements} elements each) in {dt:.2f} s = {total / dt:,.0f} records/s")

    with tempfile.TemporaryDirectory() as tmp:
        path = write_h(Path(tmp) / "HM750001S75001_24011.xml", "3.2", n)
        size = path.stat().st_size
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        t = time.perf_counter()
        with read_file(path) as f:
            count = sum(1 for _ in f.records)
        dt_read = time.perf_counter() - t
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        t = time.perf_counter()
        with read_file(path) as f:
            for rec in f.records:
                check_record(d, rec)
        dt_both = time.perf_counter() - t
        tracemalloc.start()
        with read_file(path) as f:
            for _ in f.records:
                pass
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    print(f"read: {count} records, {size / 1e6:.1f} MB in {dt_read:.2f} s = {count / dt_read:,.0f} records/s")
    print(f"read + structure: {count / dt_both:,.0f} records/s")
    print(
        f"memory: peak Python {peak / 1e6:.1f} MB; max RSS grew by "
        f"{(rss_after - rss_before) / 1024:.1f} MB while reading (file {size / 1e6:.0f} MB)"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50_000)
