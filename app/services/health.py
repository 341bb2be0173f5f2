"""``GET /health``: is the system able to work — the database, the queue (Redis) and the workers.

An operator's monitor or a load balancer calls it; it needs no login and shows no data."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from app.extensions import db
from app.jobs import runtime


def health_report() -> tuple[dict[str, Any], bool]:
    """The report and whether everything works (the database answers; the queue answers; in the
    production mode at least one ``rq worker`` lives)."""
    report: dict[str, Any] = {"mode": runtime.mode()}
    ok = True
    try:
        db.session.execute(text("SELECT 1"))
        report["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 — any failure of the database is the report
        db.session.rollback()
        report["database"] = f"недоступна: {type(exc).__name__}"
        ok = False
    try:
        runtime.check_queue()
        report["redis"] = "ok" if runtime.mode() == "rq" else "встроенная очередь"
        report["workers"] = runtime.live_workers()
        if report["workers"] < 1:
            ok = False
    except runtime.QueueUnavailable as exc:
        report["redis"] = f"недоступен: {exc.detail or exc}"
        report["workers"] = None
        ok = False
    report["status"] = "ok" if ok else "error"
    return report, ok
