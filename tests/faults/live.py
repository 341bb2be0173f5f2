"""A real server process for the fault tests (gunicorn, as ``make run`` serves it) and a small HTTP
client for it: a cookie session that logs in through the form, and API calls with a key."""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path
from typing import Optional

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def flask(env: dict, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    out = subprocess.run(
        [str(BIN / "flask"), "--app", "run.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    if check and out.returncode != 0:
        raise AssertionError(f"flask {' '.join(args)}: {out.stdout[-2000:]} {out.stderr[-3000:]}")
    return out


class LiveServer:
    def __init__(self, env: dict, log: Path):
        self.env, self.log_path = env, log
        self.port = free_port()
        self.proc: Optional[subprocess.Popen] = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "LiveServer":
        self._log = open(self.log_path, "a")
        self.proc = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "--workers",
                "1",
                "--threads",
                "4",
                "--timeout",
                "600",
                "--bind",
                f"127.0.0.1:{self.port}",
                "run:app",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.url + "/login/", timeout=2).read()
                return self
            except (urllib.error.URLError, ConnectionError, OSError):
                if self.proc.poll() is not None:
                    raise AssertionError(f"the server exited: {self.log_path.read_text()[-3000:]}") from None
                time.sleep(0.3)
        raise AssertionError("the server did not start")

    def kill(self) -> None:
        """SIGKILL of the whole server (its worker processes and threads with it)."""
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)
        self._log.close()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=30)
            self._log.close()


class Client:
    """A browser-like session: cookies, the CSRF token of the forms, the login form."""

    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect())
        self.csrf: Optional[str] = None

    def request(self, method: str, path: str, data: Optional[bytes] = None, headers: Optional[dict] = None):
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=headers or {})
        try:
            resp = self.opener.open(req, timeout=60)
            return resp.status, resp.read(), dict(resp.headers)
        except urllib.error.HTTPError as err:
            return err.code, err.read(), dict(err.headers)

    def get(self, path: str):
        return self.request("GET", path)

    def fetch_csrf(self, path: str = "/login/") -> str:
        _status, body, _h = self.get(path)
        m = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', body) or re.search(
            rb'type="hidden" name="csrf_token" value="([^"]+)"', body
        )
        self.csrf = m.group(1).decode() if m else None
        return self.csrf

    def login(self, username: str, password: str):
        self.fetch_csrf()
        form = urllib.parse.urlencode({"username": username, "password": password, "csrf_token": self.csrf})
        return self.request("POST", "/login/", form.encode(), {"Content-Type": "application/x-www-form-urlencoded"})

    def upload(
        self,
        path: str,
        files: list[Path],
        field: str = "archives",
        key: Optional[str] = None,
        form: Optional[dict] = None,
    ):
        boundary = uuid.uuid4().hex
        parts = []
        for name, value in (form or {}).items():
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
        for f in files:
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{f.name}"\r\n'
                f'Content-Type: application/zip\r\n\r\n'.encode()
                + f.read_bytes()
                + b"\r\n"
            )
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
        if key:
            headers["Authorization"] = f"Bearer {key}"
        return self.request("POST", path, body, headers)

    def api(self, path: str, key: str):
        status, body, _h = self.request("GET", path, headers={"Authorization": f"Bearer {key}"})
        return status, json.loads(body or b"{}")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None
