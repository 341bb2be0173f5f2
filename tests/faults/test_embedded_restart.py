"""The embedded server (SQLite, its in-process worker, as ``make run`` serves it) killed with SIGKILL
in the middle of a load: on its next start the load that was running ends «Ошибка при загрузке
подготовленных данных» / «Загрузка прервана: …» with nothing of it left, and the load that waited
in the (in-memory) queue is queued again and ends «Процесс загрузки завершен»."""

from __future__ import annotations

import json
import os
import sqlite3
import time

import pytest

from app.demo.files import write_archive
from tests.faults.live import Client, LiveServer, flask

FINAL = (
    "Процесс загрузки завершен",
    "Ошибка при загрузке подготовленных данных",
    "Ошибка при валидации данных",
    "Ошибка при загрузке файлов на сервер",
    "Ошибка формирования файла для ЕРЗ",
)


@pytest.fixture()
def embedded(tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "TEST_DATABASE_URL", "REDIS_URL", "JOBS_MODE", "SECRET_KEY")
    }
    env.update(
        OMS_INSTANCE_DIR=str(tmp_path / "instance"),
        OMS_DATA_DIR=str(tmp_path / "data"),
        DEMO_ERZ_PERSONS="3000",
        RATELIMIT_ENABLED="0",
    )
    for args in (["db", "upgrade"], ["oms", "sync-roles"], ["oms", "sync-rules"], ["oms", "init-demo"]):
        flask(env, *args)
    out = flask(env, "oms", "api-key", "create", "--user", "mo1_operator", "--name", "faults").stdout
    key = json.loads(out.strip().splitlines()[-1])["key"]
    servers = []

    def start() -> LiveServer:
        server = LiveServer(env, tmp_path / "server.log").start()
        servers.append(server)
        return server

    yield start, key, tmp_path
    for server in servers:
        server.stop()


def _status(client: Client, key: str, file_id: int) -> dict:
    code, body = client.api(f"/api/v1/mis/files/{file_id}", key)
    assert code == 200, body
    return body["result"]


def _wait(client, key, file_id, done, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        row = _status(client, key, file_id)
        if done(row):
            return row
        time.sleep(0.3)
    raise AssertionError(f"file {file_id}: {row}")


def test_a_restart_mid_load_ends_the_dead_load_and_runs_the_waiting_one(embedded):
    start, key, tmp = embedded
    big = write_archive(tmp / "big", cases=20_000, persons=2500, number=81, seed=81).path
    small = write_archive(tmp / "small", cases=5, persons=5, number=82, seed=82, first_person=2600).path
    server = start()
    client = Client(server.url)
    code, body, _ = client.upload("/api/v1/mis/files/", [big, small], key=key)
    assert code == 201, body
    ids = [f["id"] for f in json.loads(body)["result"]]
    _wait(client, key, ids[0], lambda r: r["status"] == "ФЛК" and r["progress"] >= 10, 180)
    assert _status(client, key, ids[1])["status"] == "В очереди"  # one worker thread: it waits
    server.kill()
    killed = time.monotonic()

    server = start()
    client = Client(server.url)
    assert client.get("/health")[0] == 200  # the first request after the start
    dead = _wait(client, key, ids[0], lambda r: r["status"] in FINAL, 120)
    spent = time.monotonic() - killed
    assert dead["status"] == "Ошибка при загрузке подготовленных данных", dead
    assert dead["note"].startswith("Загрузка прервана:"), dead
    waiting = _wait(client, key, ids[1], lambda r: r["status"] in FINAL, 120)
    assert waiting["status"] == "Процесс загрузки завершен" and waiting["records"] == 5, waiting
    with sqlite3.connect(tmp / "instance" / "oms.db") as conn:
        left = [
            conn.execute(sql, (ids[0],)).fetchone()[0]
            for sql in (
                "SELECT count(*) FROM medical_case WHERE file_id = ?",
                "SELECT count(*) FROM patient WHERE file_id = ?",
                "SELECT count(*) FROM control_error WHERE file_id = ?",
            )
        ]
    assert left == [0, 0, 0]
    assert not (tmp / "data" / "work" / str(ids[0])).exists()
    print(f"\nembedded server killed: the dead load ended {spent:.1f} s after the kill (with the restart)")
