"""The jobs runtime in its three modes, with the mirror rows of «Фоновые задачи»."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.extensions import db
from app.jobs import runtime
from app.models.job import BackgroundJob

ROOT = Path(__file__).resolve().parents[2]


def _wait_finished(app, job_id, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        with app.app_context():
            row = db.session.get(BackgroundJob, job_id)
            if row.status in ("finished", "failed"):
                return row
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} did not finish in {timeout} s")


def test_sync_job_mirrors_progress_and_result(app_ctx):
    row = runtime.enqueue("app.jobs.demo_jobs.ping", 4, title="Проверка очереди")
    db.session.refresh(row)
    assert row.status == "finished"
    assert row.progress == 100
    assert row.message == "шаг 4 из 4"
    assert '"pong": 4' in row.result
    assert row.started_at is not None and row.finished_at >= row.started_at
    assert row.rq_id


def test_failed_job_records_the_error(app_ctx):
    row = runtime.enqueue("app.jobs.demo_jobs.ping", 2, title="Ошибка", fail=True)
    db.session.refresh(row)
    assert row.status == "failed"
    assert "задача завершилась с ошибкой по запросу" in row.error
    assert row.progress == 100 and row.finished_at is not None


def test_embedded_worker_thread_runs_jobs(app):
    app.config["JOBS_MODE"] = "embedded"
    try:
        with app.app_context():
            row = runtime.enqueue("app.jobs.demo_jobs.ping", 3, title="Встроенный обработчик", delay=0.05)
            job_id = row.id
            assert runtime.describe().startswith("fakeredis")
        row = _wait_finished(app, job_id)
        assert row.status == "finished" and row.progress == 100
        assert f'"pid": {os.getpid()}' in row.result  # same process: the embedded thread
    finally:
        app.config["JOBS_MODE"] = "sync"


@pytest.mark.redis
def test_rq_worker_process_runs_jobs(app):
    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:
        pytest.skip("REDIS_URL is not set: the real-Redis mode runs in CI (.ci/run)")
    app.config.update(JOBS_MODE="rq", REDIS_URL=redis_url)
    app.extensions.pop("oms_redis", None)
    queue_name = f"test-{os.getpid()}-{int(time.time())}"
    try:
        with app.app_context():
            row = runtime.enqueue("app.jobs.demo_jobs.ping", 2, title="Настоящий Redis", queue=queue_name)
            job_id = row.id
        env = dict(os.environ, DATABASE_URL=os.environ["DATABASE_URL"], REDIS_URL=redis_url)
        proc = subprocess.run(
            [str(Path(sys.executable).parent / "rq"), "worker", "--burst", "--url", redis_url, queue_name],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert proc.returncode == 0, proc.stderr[-2000:]
        row = _wait_finished(app, job_id, timeout=10)
        assert row.status == "finished"
        assert f'"pid": {os.getpid()}' not in row.result  # it ran in the worker process
    finally:
        app.config.update(JOBS_MODE="sync")


def test_jobs_view_is_for_the_fund_only(app, browser_factory):
    with app.app_context():
        runtime.enqueue("app.jobs.demo_jobs.ping", 1, title="Задача для списка")
    admin = browser_factory("tfoms_admin")
    html = admin.get("/backgroundjobview/list/").get_data(as_text=True)
    assert "Задача для списка" in html and "Завершена" in html
    mo = browser_factory("mo1_operator")
    assert mo.get("/backgroundjobview/list/").status_code == 403
