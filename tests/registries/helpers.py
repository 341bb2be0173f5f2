"""Loading demo archives through the real pipeline for the registry tests."""

from __future__ import annotations

import contextlib
from pathlib import Path

from app.demo.files import write_archive
from app.demo.month import payer_results
from app.extensions import db
from app.models.intake import UploadedFile
from app.models.user import OmsUser
from app.services.intake.pipeline import load_file
from app.services.intake.uploads import IncomingArchive, accept_archives


def user(login: str) -> OmsUser:
    return db.session.query(OmsUser).filter_by(username=login).one()


def load(archive_path: Path, login: str = "mo1_operator", name: str | None = None) -> UploadedFile:
    """Upload and load synchronously (call inside an app context); returns the fresh file row."""
    with open(archive_path, "rb") as fh:
        row = accept_archives(user(login), [IncomingArchive(name or archive_path.name, fh)], run_job=False)[0]
    load_file(row.id)
    db.session.expire_all()
    return db.session.get(UploadedFile, row.id)


def demo(tmp: Path, **kw):
    kw.setdefault("cases", 30)
    return write_archive(tmp, **kw)


# the payer's МЭК results for a registry's file: app/demo/month.py makes them for the demo month too
results_file = payer_results


@contextlib.contextmanager
def rule_share(code: str, share):
    """The ТФОМС sets a МЭК rule's share in «Правила контроля» (restored afterwards)."""
    from sqlalchemy import select

    from app.models.reference import ControlRule

    row = db.session.execute(select(ControlRule).where(ControlRule.code == code)).scalar_one()
    saved = row.withhold_share
    row.withhold_share = share
    db.session.commit()
    try:
        yield
    finally:
        row = db.session.execute(select(ControlRule).where(ControlRule.code == code)).scalar_one()
        row.withhold_share = saved
        db.session.commit()
