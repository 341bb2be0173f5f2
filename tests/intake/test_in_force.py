"""What a load ran against is kept on its file row: the rule catalogue and the НСИ versions in
force at its ФЛК/МЭК (the registry timeline shows them), and how the archive came (its channel)."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.models.reference import ControlRule, NsiBookVersion
from app.models.vocabulary import FileChannel, FileStatus
from app.services.intake.pipeline import load_file
from app.services.intake.uploads import IncomingArchive, accept_archives
from app.services.reference.in_force import read_nsi_versions, rules_version
from tests.intake.helpers import demo_pair, fresh, user


def _load(tmp_path, **kwargs):
    pair = demo_pair(tmp_path, cases=3)
    with open(pair.zip(tmp_path), "rb") as stream:
        [row] = accept_archives(user("mo1_operator"), [IncomingArchive(pair.archive_name, stream)], **kwargs)
    load_file(row.id)
    return fresh(row.id)


def test_a_load_keeps_the_catalogue_and_the_nsi_in_force(intake, tmp_path):
    row = _load(tmp_path, run_job=False)
    assert row.status == FileStatus.DONE
    count = db.session.scalar(select(func.count(ControlRule.id)))
    assert row.rules_version == rules_version()
    assert row.rules_version.startswith(f"правил: {count} (включено ")
    books = dict(db.session.execute(select(NsiBookVersion.book, NsiBookVersion.version)).all())
    kept = read_nsi_versions(row.nsi_versions)
    assert books and set(kept) == set(books)
    assert all(kept[book].startswith(version or "") for book, version in books.items())


def test_an_edit_of_the_catalogue_gives_a_new_version(intake):
    before = rules_version()
    rule = db.session.scalars(select(ControlRule).order_by(ControlRule.id)).first()
    enabled = rule.enabled
    try:
        rule.enabled = not enabled
        db.session.commit()
        assert rules_version() != before
    finally:
        rule.enabled = enabled
        db.session.commit()


def test_the_channel_of_an_upload(intake, tmp_path):
    assert _load(tmp_path, run_job=False).channel == FileChannel.WEB
    assert _load(tmp_path / "cli", run_job=False, channel=FileChannel.CLI).channel == FileChannel.CLI


def test_unreadable_stored_versions_read_as_none():
    assert read_nsi_versions(None) == {} and read_nsi_versions("[1]") == {} and read_nsi_versions("{") == {}
