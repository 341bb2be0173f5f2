"""The load pauses Python's cyclic garbage collector while it runs (each batch of records would
otherwise be walked again and again) and gives it back as it found it, whatever the outcome — but
never in the embedded mode, whose worker thread shares the process with the web server."""

from __future__ import annotations

import gc

from app.core.collector import collector_paused
from app.models.vocabulary import FileStatus
from app.services.intake.context import LoadContext
from tests.intake.helpers import demo_pair


def _collector_seen_by_the_stages(monkeypatch) -> list[bool]:
    seen: list[bool] = []
    original = LoadContext.set_status

    def recording(self, status, progress=None, **values):
        seen.append(gc.isenabled())
        return original(self, status, progress, **values)

    monkeypatch.setattr(LoadContext, "set_status", recording)
    return seen


def test_collector_paused_during_the_load_and_back_after(intake, tmp_path, monkeypatch):
    seen = _collector_seen_by_the_stages(monkeypatch)
    assert gc.isenabled()
    row = intake.upload_pair(demo_pair(tmp_path, cases=5))
    assert row.status == FileStatus.DONE
    assert seen and not any(seen)
    assert gc.isenabled()


def test_collector_back_after_a_failed_load(intake, monkeypatch):
    seen = _collector_seen_by_the_stages(monkeypatch)
    row = intake.upload(b"not a zip", name="HM140001T14_2601001.zip")
    assert row.status == FileStatus.ERR_UPLOAD
    assert seen and not any(seen)
    assert gc.isenabled()


def test_a_collector_switched_off_before_stays_off(intake, tmp_path):
    gc.disable()
    try:
        row = intake.upload_pair(demo_pair(tmp_path, cases=3))
        assert row.status == FileStatus.DONE
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_nested_pauses_end_with_the_outer_one():
    with collector_paused():
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_the_embedded_worker_leaves_the_collector_to_the_web_server(intake, tmp_path, monkeypatch, app):
    seen = _collector_seen_by_the_stages(monkeypatch)
    monkeypatch.setitem(app.config, "JOBS_MODE", "embedded")
    from app.services.intake.pipeline import load_file
    from app.services.intake.uploads import IncomingArchive, accept_archives
    from tests.intake.helpers import user

    pair = demo_pair(tmp_path, cases=3)
    with open(pair.zip(tmp_path / "up"), "rb") as stream:
        [row] = accept_archives(user("mo1_operator"), [IncomingArchive(pair.archive_name, stream)], run_job=False)
    load_file(row.id)  # as the embedded worker thread runs it
    assert seen and all(seen)
    assert gc.isenabled()


def test_a_disabled_pause_changes_nothing():
    with collector_paused(enabled=False):
        assert gc.isenabled()
    assert gc.isenabled()
