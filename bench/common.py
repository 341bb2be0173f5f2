"""Shared set-up of the benchmarks: a fresh PostgreSQL database, Redis, the demo data, and
`rq worker` processes — the production mode."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
BENCH_DB = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/oms_bench")
BENCH_REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
SECRET_KEY = secrets.token_hex(32)
#: the queues of `make worker` (app.jobs.runtime.WORKER_QUEUES; the app is imported only once the
#: environment of the bench is set)
WORKER_QUEUES = ("intake-small", "default", "documents", "intake-chunks")


def env() -> dict:
    e = dict(os.environ)
    e.setdefault("SECRET_KEY", SECRET_KEY)  # production mode wants a strong key
    e.update(
        DATABASE_URL=BENCH_DB,
        REDIS_URL=BENCH_REDIS,
        JOBS_MODE="rq",
        OMS_DATA_DIR=str(Path(os.environ.get("BENCH_DATA_DIR", "/tmp/oms-bench-data"))),
    )
    e.pop("TEST_DATABASE_URL", None)
    return e


def flask(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "flask"), "--app", "run.py", *args], cwd=ROOT, env=env(), capture_output=True, text=True, check=check
    )


def fresh_database() -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    url = make_url(BENCH_DB)
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{url.database}"'))
    admin.dispose()
    subprocess.run(["redis-cli", "-u", BENCH_REDIS, "flushdb"], check=False, capture_output=True)
    for cmd in (["db", "upgrade"], ["oms", "sync-roles"], ["oms", "sync-rules"], ["oms", "init-demo", "--force"]):
        flask(*cmd)


def run_worker_burst(queues=WORKER_QUEUES) -> tuple[float, int]:
    """One `rq worker --burst` (jobs in the worker process itself); returns (seconds, peak RSS in
    bytes of that process)."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    subprocess.run(
        [
            str(BIN / "rq"),
            "worker",
            "--burst",
            "--url",
            BENCH_REDIS,
            "--worker-class",
            "rq.worker.SimpleWorker",
            *queues,
        ],
        cwd=ROOT,
        env=env(),
        check=True,
        capture_output=True,
    )
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return seconds, max(peak, before) * 1024


class Worker:
    """A running `rq worker` (jobs in the worker process itself, as SimpleWorker) whose peak
    memory is read from /proc before it stops."""

    def __init__(self, queues=WORKER_QUEUES):
        self.proc = subprocess.Popen(
            [str(BIN / "rq"), "worker", "--url", BENCH_REDIS, "--worker-class", "rq.worker.SimpleWorker", *queues],
            cwd=ROOT,
            env=env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        import redis
        from rq import Worker as RqWorker

        conn = redis.Redis.from_url(BENCH_REDIS)
        deadline = time.time() + 60
        while not RqWorker.all(connection=conn) and time.time() < deadline:
            time.sleep(0.2)
        time.sleep(0.5)

    def peak_bytes(self) -> int:
        with open(f"/proc/{self.proc.pid}/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
        return 0

    def stop(self) -> int:
        peak = self.peak_bytes()
        self.proc.terminate()
        self.proc.wait(timeout=30)
        return peak


def wait_file(app, file_id: int, timeout: float = 3600, timeline: list | None = None) -> float:
    """Seconds until the file leaves the loading statuses.  ``timeline`` (a list) gets
    ``(status, seconds since the start)`` at every change of status seen (polled every 0.1 s)."""
    from app.extensions import db
    from app.models.intake import UploadedFile
    from app.models.vocabulary import FILE_LOADING

    start = time.perf_counter()
    last = None
    while time.perf_counter() - start < timeout:
        with app.app_context():
            status = db.session.get(UploadedFile, file_id).status
        if timeline is not None and status != last:
            timeline.append((status, time.perf_counter() - start))
            last = status
        if status not in FILE_LOADING:
            return time.perf_counter() - start
        time.sleep(0.1)
    raise TimeoutError(f"file {file_id} still loading after {timeout} s")


def stage_seconds(timeline: list) -> dict[str, float]:
    """Seconds spent in each status of a ``wait_file`` timeline (the last one is the end)."""
    out: dict[str, float] = {}
    for (status, at), (_, until) in zip(timeline, timeline[1:], strict=False):
        out[status] = out.get(status, 0.0) + until - at
    return out


def app():
    os.environ.update(env())
    from app import create_app

    return create_app()


def table(rows: list[dict]) -> str:
    """figure | target | measured | ratio, as printed by `make bench`."""
    head = f"{'figure':<58} {'target':>12} {'measured':>12} {'ratio':>7}"
    lines = [head, "-" * len(head)]
    for r in rows:
        if r.get("target"):
            target, ratio = f"{r['target']:>12.1f}", f"{r['measured'] / r['target']:>7.2f}"
        else:
            target, ratio = f"{'—':>12}", f"{'—':>7}"
        lines.append(f"{r['figure']:<58} {target} {r['measured']:>12.1f} {ratio}")
    return "\n".join(lines)
