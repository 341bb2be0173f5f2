"""The load pauses Python's cyclic garbage collector while it runs (each batch of records would
otherwise be walked again and again) and gives it back as it found it, whatever the outcome."""
from __future__ import annotations

import gc

from app.models.vocabulary import FileStatus
from app.services.intake import pipeline as intake_pipeline
from tests.intake.helpers import demo_pair


def _collector_seen_by_the_stages(monkeypatch) -> list[bool]:
    seen: list[bool] = []
    original = intake_pipeline.FileLoad.set_status

    def recording(self, status, progress=None, **values):
        seen.append(gc.isenabled())
        return original(self, status, progress, **values)
    monkeypatch.setattr(intake_pipeline.FileLoad, "set_status", recording)
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
    with intake_pipeline.collector_paused():
        with intake_pipeline.collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
