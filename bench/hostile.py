"""Memory under hostile uploads (prints figures, not a test): a production server (gunicorn, one
worker process) and an ``rq worker`` (jobs in its own process) on PostgreSQL and Redis, and the
uploads an attacker can build — peak memory (VmHWM) of each process.  Target: ≤ 400 MB each.

- a 1 MB archive whose H file unpacks to 1 GiB («zip bomb»), loaded by the worker;
- the same bomb as the payer's МЭК results file of a registry «Выгружен»;
- 40 «.sig» files of 20 MB for a registry «На подпись МО» (by an МО user whose turn it is not);
- an archive of 1 GiB (the upload limit), stored by the web process.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
import uuid
import zipfile
from pathlib import Path

from bench import common
from tests.faults.live import Client, LiveServer, free_port

MB = 1024 * 1024


def _vmhwm(pid: int) -> int:
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0


def _gunicorn_worker(master: int) -> int:
    deadline = time.time() + 30
    while time.time() < deadline:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        if children:
            return int(children[0])
        time.sleep(0.1)
    raise SystemExit("no gunicorn worker")


def bomb(path: Path, name: str, size: int = 1024 * MB) -> Path:
    """A small archive whose one member unpacks to ``size`` bytes of zeros."""
    info = zipfile.ZipInfo(name)
    info.compress_type = zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        with zf.open(info, "w", force_zip64=True) as out:
            chunk = b"<ZL_LIST>" + b" " * (MB - 9)
            for _ in range(size // MB):
                out.write(chunk)
            out.write(b"\n")
    return path


def multipart_file(path: Path, fields: list[tuple[str, str, int]], form: dict) -> str:
    """A multipart body on disk: ``fields`` of (field, file name, size of zeros); returns the boundary."""
    boundary = uuid.uuid4().hex
    with open(path, "wb") as out:
        for k, v in form.items():
            out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode())
        for field, name, size in fields:
            out.write(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{name}"\r\n'
                f'Content-Type: application/octet-stream\r\n\r\n'.encode()
            )
            zeros = b"\0" * MB
            for _ in range(size // MB):
                out.write(zeros)
            out.write(b"\r\n")
        out.write(f"--{boundary}--\r\n".encode())
    return boundary


def post_file(client: Client, url: str, body: Path, boundary: str, headers: dict | None = None):
    import urllib.request

    with open(body, "rb") as fh:
        req = urllib.request.Request(
            client.base + url,
            data=fh,
            method="POST",
            headers={
                "Content-Type": f"multipart/form-data; boundary={boundary}",
                "Content-Length": str(body.stat().st_size),
                **(headers or {}),
            },
        )
        try:
            resp = client.opener.open(req, timeout=600)
            return resp.status, resp.read()
        except urllib.error.HTTPError as err:
            return err.code, err.read()


def registry(status: str) -> int:
    """A registry of МО 140001 paid by СМО 14001 in ``status`` (rows made with SQL)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(common.BENCH_DB)
    with engine.begin() as conn:
        mo = conn.execute(text("SELECT id FROM organisation WHERE code = '140001'")).scalar_one()
        smo = conn.execute(text("SELECT id FROM organisation WHERE code = '14001'")).scalar_one()
        reg = conn.execute(
            text(
                "INSERT INTO registry (number, organisation_id, payer_id, year, month, reg_type, subtype,"
                " status, cases, sum_declared, sum_calc, created_at, changed_at, mek_refused)"
                " VALUES (:n, :mo, :smo, 2026, 1, 'АПП', 'H', :s, 0, 0, 0, now(), now(), 0) RETURNING id"
            ),
            {"n": f"140001-2601-{uuid.uuid4().hex[:6]}", "mo": mo, "smo": smo, "s": status},
        ).scalar_one()
    engine.dispose()
    return reg


def main(argv=None) -> list[dict]:
    work = Path(os.environ.get("BENCH_DATA_DIR", "/tmp/oms-bench-data")) / "hostile"
    work.mkdir(parents=True, exist_ok=True)
    common.fresh_database()
    env = common.env()
    key = json.loads(
        common.flask("oms", "api-key", "create", "--user", "mo1_operator", "--name", "bench")
        .stdout.strip()
        .splitlines()[-1]
    )["key"]
    server = LiveServer(env, work / "server.log")
    server.port = free_port()
    server.start()
    web = _gunicorn_worker(server.proc.pid)
    worker = common.Worker(common.WORKER_QUEUES)
    rows = []
    try:
        client = Client(server.url)
        # 1. the intake zip bomb, in the worker
        archive = bomb(work / "HM140001T14_2601777.zip", "HM140001T14_2601777.xml")
        with zipfile.ZipFile(archive, "a") as zf:
            zf.writestr("LM140001T14_2601777.xml", "<PERS_LIST/>")
        code, body, _ = client.upload("/api/v1/mis/files/", [archive], key=key)
        assert code == 201, body
        file_id = json.loads(body)["result"][0]["id"]
        deadline = time.time() + 600
        while time.time() < deadline:
            _c, f = client.api(f"/api/v1/mis/files/{file_id}", key)
            if f["result"]["status"] not in ("В очереди", "Проверка архива", "ФЛК"):
                break
            time.sleep(0.5)
        print(f"1. intake zip bomb: {f['result']['status']} — {f['result']['note']}", flush=True)
        # 2. the МЭК results bomb, by the payer
        taken = registry("Выгружен")
        results = bomb(work / "results.zip", "HM140001S14001_2601001.xml")
        smo = Client(server.url)
        smo.login("smo1_specialist", os.environ.get("DEMO_PASSWORD", "Demo-Oms-2026"))
        smo.fetch_csrf(f"/registries/documents/{taken}")
        status, _b, _h = smo.upload(
            f"/registries/mek/{taken}", [results], field="results", form={"csrf_token": smo.csrf}
        )
        print(f"2. МЭК results zip bomb: HTTP {status}", flush=True)
        # 3. 40 × 20 MB of «.sig» by an МО user whose turn it is not
        signing = registry("На подпись МО")
        mo = Client(server.url)
        mo.login("mo1_accountant", os.environ.get("DEMO_PASSWORD", "Demo-Oms-2026"))
        mo.fetch_csrf(f"/signing/{signing}")
        body_path = work / "sigs.body"
        boundary = multipart_file(
            body_path, [("signatures", f"doc{i}.sig", 20 * MB) for i in range(40)], {"csrf_token": mo.csrf}
        )
        status, _b = post_file(mo, f"/signing/{signing}/files", body_path, boundary)
        print(f"3. 40 × 20 MB .sig: HTTP {status}", flush=True)
        body_path.unlink()
        # 4. an archive of the upload limit, stored by the web process
        big = work / "big.body"
        boundary = multipart_file(big, [("archives", "HM140001T14_2601778.zip", 1000 * MB)], {})
        status, _b = post_file(client, "/api/v1/mis/files/", big, boundary, {"Authorization": f"Bearer {key}"})
        print(f"4. a 1000 MB archive: HTTP {status}", flush=True)
        big.unlink()
        time.sleep(5)  # the worker takes the stored archive (and refuses it) meanwhile
        rows = [
            dict(figure="hostile uploads: web process peak memory, MB", target=400, measured=_vmhwm(web) / MB),
            dict(figure="hostile uploads: worker peak memory, MB", target=400, measured=worker.peak_bytes() / MB),
        ]
        for r in rows:
            print(f"   {r['figure']}: {r['measured']:.0f}", flush=True)
    finally:
        worker.stop()
        server.stop()
    subprocess.run(["rm", "-rf", str(work)], check=False)
    return rows


if __name__ == "__main__":
    main()
