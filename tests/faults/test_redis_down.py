"""Redis stops under a production server (gunicorn, the test database, a Redis of the test's own):
logging in still works (the login limiter counts in memory), an upload is refused with a clear
message and stores nothing, and ``/health`` answers 503 naming Redis."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.demo.files import write_archive
from app.extensions import db
from app.jobs.runtime import QUEUE_DOWN
from app.models.intake import UploadedFile
from tests.api.helpers import new_key
from tests.faults.live import Client, LiveServer, free_port


@pytest.fixture()
def own_redis(tmp_path):
    binary = shutil.which("redis-server")
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("redis-server is missing in CI")
        pytest.skip("redis-server is not installed: the Redis-down test runs in CI")
    port = free_port()
    proc = subprocess.Popen(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(0.5)
    yield proc, f"redis://127.0.0.1:{port}/0"
    if proc.poll() is None:
        proc.kill()
        proc.wait(timeout=10)


def _files(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(UploadedFile))


def test_redis_down_login_works_upload_refused_health_503(app, own_redis, tmp_path):
    redis_proc, redis_url = own_redis
    env = dict(os.environ, REDIS_URL=redis_url, DATABASE_URL=os.environ["DATABASE_URL"])
    env.pop("JOBS_MODE", None)
    key = new_key(app, "mo1_operator")
    server = LiveServer(env, tmp_path / "server.log").start()
    try:
        client = Client(server.url)
        status, body, _ = client.get("/health")
        assert status == 503 and json.loads(body)["redis"] == "ok"  # Redis answers; no worker runs
        redis_proc.kill()
        redis_proc.wait(timeout=10)

        status, body, _ = client.get("/health")
        report = json.loads(body)
        assert status == 503 and report["redis"].startswith("недоступен") and report["database"] == "ok"

        status, _body, headers = client.login("mo1_operator", os.environ.get("DEMO_PASSWORD", "Demo-Oms-2026"))
        assert status == 302 and "/login" not in headers["Location"], (status, headers)
        assert client.get("/files/list/")[0] == 200

        archive = write_archive(tmp_path / "a", cases=3, number=91, seed=91).path
        stored = Path(app.config["DATA_DIR"]) / "uploads"
        before, archives = _files(app), sorted(stored.glob("*")) if stored.exists() else []
        status, body, _ = client.upload("/api/v1/mis/files/", [archive], key=key)
        assert status == 400 and json.loads(body)["message"] == QUEUE_DOWN
        client.fetch_csrf("/files/upload")
        status, _body, headers = client.upload("/files/upload", [archive], form={"csrf_token": client.csrf})
        assert status == 302
        page = client.get(headers["Location"].replace(server.url, ""))[1].decode()
        assert QUEUE_DOWN in page
        assert _files(app) == before  # nothing stored: no row,
        assert (sorted(stored.glob("*")) if stored.exists() else []) == archives  # no archive
    finally:
        server.stop()
    assert "Traceback" not in (tmp_path / "server.log").read_text()
