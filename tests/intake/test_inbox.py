"""The mail channel: archives dropped into the inbox folder are loaded as their sender's upload —
the МО or subdivision of Ni in the cases file's name, channel «почта», no uploader — moved to
processed/; a foreign sender or a damaged archive goes to rejected/ with the reason beside it; an
archive is never loaded twice, whoever drops it again and however many watchers look at once; a
copy still being written waits.  The embedded runtime and ``oms watch-inbox`` watch the folder.

Every archive is generated into tmp_path by the tests (tests/intake/helpers.py)."""

from __future__ import annotations

import json
import os
import re
import threading
import time
from pathlib import Path
from typing import Optional

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.jobs import runtime
from app.models.audit import AuditEvent
from app.models.inbox import InboxArchive
from app.models.intake import UploadedFile
from app.models.vocabulary import FileChannel, FileStatus
from app.services.intake.inbox import PROCESSED, REJECTED, WORKING, poll
from tests.factories import make_org, unique
from tests.intake.helpers import MO1, MO2, SUB1, Pair, assert_done, demo_pair, fresh, make_zip

SETTLED = 60  # seconds: a dropped archive's age, well past INBOX_SETTLE_SECONDS


@pytest.fixture()
def inbox(intake, tmp_path) -> Path:
    folder = tmp_path / "inbox"
    folder.mkdir()
    return folder


def drop(src: Path, inbox: Path, name: Optional[str] = None, age: float = SETTLED) -> Path:
    """Put an archive into the folder as the mail does (written elsewhere, then moved in), its time
    ``age`` seconds ago."""
    target = inbox / (name or src.name)
    target.write_bytes(Path(src).read_bytes())
    stamp = time.time() - age
    os.utime(target, (stamp, stamp))
    return target


def rows_of(sha: str) -> list[UploadedFile]:
    db.session.expire_all()
    return list(db.session.execute(select(UploadedFile).where(UploadedFile.archive_sha256 == sha)).scalars())


def file_count() -> int:
    return db.session.execute(select(func.count()).select_from(UploadedFile)).scalar_one()


def events(event: str, archive: str) -> list[AuditEvent]:
    db.session.expire_all()
    found = db.session.execute(select(AuditEvent).where(AuditEvent.event == event)).scalars()
    return [e for e in found if json.loads(e.details or "{}").get("archive") == archive]


def leftovers(inbox: Path) -> list[str]:
    """What is still in the folder or its working folder (the archives not yet taken)."""
    names = [p.name for p in inbox.iterdir() if p.is_file()]
    return names + [p.name for p in (inbox / WORKING).iterdir()] if (inbox / WORKING).exists() else names


def reason_of(inbox: Path, name: str) -> str:
    assert (inbox / REJECTED / name).is_file(), sorted(p.name for p in (inbox / REJECTED).iterdir())
    return (inbox / REJECTED / f"{name}.txt").read_text(encoding="utf-8")


# -- picked up ------------------------------------------------------------------------------------------
def test_an_archive_of_an_mo_is_loaded_as_its_upload(inbox, tmp_path):
    pair = demo_pair(tmp_path, cases=3, mo=MO1)
    drop(pair.zip(tmp_path / "mail"), inbox)

    [result] = poll(inbox)

    assert (result.archive, result.outcome, result.reason) == (pair.archive_name, "loaded", None)
    row = fresh(result.file_id)
    assert (row.channel, row.organisation.code, row.subdivision_id, row.uploaded_by_id) == (
        FileChannel.MAIL,
        MO1,
        None,
        None,
    )
    assert row.archive_name == pair.archive_name
    assert_done(row, 3)  # the test's queue runs the load at once
    assert (inbox / PROCESSED / pair.archive_name).is_file()
    assert leftovers(inbox) == []
    [event] = events("file_received_by_mail", pair.archive_name)
    assert (event.object_id, event.user_id, event.organisation_id) == (str(row.id), None, row.organisation_id)
    receipt = db.session.query(InboxArchive).filter_by(sha256=row.archive_sha256).one()
    assert receipt.file_id == row.id


def test_a_subdivision_code_is_its_mo_and_subdivision(inbox, tmp_path):
    pair = demo_pair(tmp_path, cases=2, mo=MO1, sender=SUB1)
    drop(pair.zip(tmp_path / "mail"), inbox)

    [result] = poll(inbox)

    row = fresh(result.file_id)
    assert (row.organisation.code, row.subdivision.code, row.channel) == (MO1, SUB1, FileChannel.MAIL)
    assert_done(row, 2)


# -- rejected ------------------------------------------------------------------------------------------
def renamed(pair: Pair, kind_code: str) -> list[tuple[str, bytes]]:
    """The pair's members named as sent by another party (``S14001``, ``T14``, ``M149999``…)."""
    assert pair.h_name.startswith(f"HM{MO1}") and pair.l_name.startswith(f"LM{MO1}")
    return [
        ("H" + kind_code + pair.h_name[len(MO1) + 2 :], pair.h),
        ("L" + kind_code + pair.l_name[len(MO1) + 2 :], pair.l),
    ]


def assert_rejected(inbox: Path, name: str, *expected: str) -> str:
    before = file_count()
    [result] = poll(inbox)
    assert (result.archive, result.outcome, result.file_id) == (name, "rejected", None)
    text = reason_of(inbox, name)
    for part in expected:
        assert part in text, text
    assert text.splitlines()[0] == result.reason
    assert file_count() == before  # no row
    assert leftovers(inbox) == []
    assert len(events("inbox_archive_rejected", name)) == 1
    return text


def test_an_unknown_sender_is_rejected(inbox, tmp_path):
    pair = demo_pair(tmp_path, cases=2, mo=MO1)
    src = make_zip(tmp_path / "mail" / "unknown.zip", renamed(pair, "M149999"))
    drop(src, inbox)
    assert_rejected(inbox, "unknown.zip", "Отправитель с кодом 149999", "не найден")


@pytest.mark.parametrize("party, title", [("S14001", "СМО"), ("T14", "ТФОМС")])
def test_an_insurer_or_the_fund_as_sender_is_rejected(inbox, tmp_path, party, title):
    pair = demo_pair(tmp_path, cases=2, mo=MO1)
    src = make_zip(tmp_path / "mail" / f"from-{party}.zip", renamed(pair, party))
    drop(src, inbox)
    assert_rejected(inbox, f"from-{party}.zip", f"{title} ({party})", "не медицинская организация")


def test_a_code_of_an_organisation_that_is_not_an_mo_is_rejected(inbox, tmp_path):
    code = ("7" + unique()).rjust(6, "7")[-6:]
    smo = make_org("smo", code=code)
    try:
        pair = demo_pair(tmp_path, cases=2, mo=MO1)
        src = make_zip(tmp_path / "mail" / "smo-as-mo.zip", renamed(pair, f"M{code}"))
        drop(src, inbox)
        assert_rejected(inbox, "smo-as-mo.zip", f"Код {code}", "не медицинской организации")
    finally:
        db.session.delete(smo)
        db.session.commit()


def test_a_damaged_archive_is_rejected(inbox, tmp_path):
    pair = demo_pair(tmp_path, cases=2, mo=MO1)
    whole = pair.zip(tmp_path / "mail").read_bytes()
    (tmp_path / "cut.zip").write_bytes(whole[: len(whole) // 2])
    drop(tmp_path / "cut.zip", inbox)
    assert_rejected(inbox, "cut.zip", "Файл не является ZIP-архивом или поврежден")


def test_an_archive_without_the_pair_is_rejected(inbox, tmp_path):
    pair = demo_pair(tmp_path, cases=2, mo=MO1)
    drop(make_zip(tmp_path / "mail" / "h-only.zip", [(pair.h_name, pair.h)]), inbox)
    assert_rejected(inbox, "h-only.zip", "ровно 2 файла")


def test_an_archive_with_a_path_inside_is_rejected(inbox, tmp_path):
    pair = demo_pair(tmp_path, cases=2, mo=MO1)
    src = make_zip(tmp_path / "mail" / "evil.zip", [("../" + pair.h_name, pair.h), (pair.l_name, pair.l)])
    drop(src, inbox)
    assert_rejected(inbox, "evil.zip", "каталог или файл с путём")
    assert not (inbox / pair.h_name).exists() and not (inbox.parent / pair.h_name).exists()


def test_a_file_that_is_not_a_zip_is_rejected(inbox, tmp_path):
    (tmp_path / "letter.pdf").write_bytes(b"%PDF-1.4 a covering letter")
    drop(tmp_path / "letter.pdf", inbox)
    assert_rejected(inbox, "letter.pdf", "не является ZIP-архивом")


def test_rejected_names_never_overwrite(inbox, tmp_path):
    (tmp_path / "x.zip").write_bytes(b"first")
    drop(tmp_path / "x.zip", inbox)
    poll(inbox)
    (tmp_path / "x.zip").write_bytes(b"second")
    drop(tmp_path / "x.zip", inbox)
    [result] = poll(inbox)
    second = Path(result.moved_to)
    assert second.name != "x.zip" and second.name.endswith("-x.zip") and second.parent.name == REJECTED
    assert (inbox / REJECTED / "x.zip").read_bytes() == b"first" and second.read_bytes() == b"second"
    assert (inbox / REJECTED / f"{second.name}.txt").is_file()


# -- never twice ------------------------------------------------------------------------------------------
def test_the_same_archive_again_is_rejected_as_received(inbox, tmp_path):
    pair = demo_pair(tmp_path, cases=2, mo=MO1)
    src = pair.zip(tmp_path / "mail")
    drop(src, inbox)
    [first] = poll(inbox)
    assert first.outcome == "loaded"

    drop(src, inbox)  # the same name again
    drop(src, inbox, name="copy-of-it.zip")  # and under another name
    results = {r.archive: r for r in poll(inbox)}

    assert {r.outcome for r in results.values()} == {"rejected"}
    for result in results.values():
        assert result.reason.startswith("Архив уже получен "), result.reason
        assert f"файл № {first.file_id}" in result.reason
    assert "уже получен" in reason_of(inbox, "copy-of-it.zip")
    rows = rows_of(fresh(first.file_id).archive_sha256)
    assert [r.id for r in rows] == [first.file_id]
    assert (inbox / PROCESSED / pair.archive_name).is_file()  # the first stays where it went


def test_two_watchers_at_once_load_an_archive_once(app, inbox, tmp_path):
    """Two threads look at the folder together, each with its own session of the real database:
    the same archive under three names — each name is claimed by one of them, and of the three
    copies the unique content hash lets one through."""
    pair = demo_pair(tmp_path, cases=2, mo=MO1)
    src = pair.zip(tmp_path / "mail")
    names = ["a.zip", "b.zip", "c.zip"]
    for name in names:
        drop(src, inbox, name=name)
    start = threading.Barrier(2)
    results, errors = [], []

    def watcher():
        with app.app_context():
            try:
                start.wait(10)
                results.extend(poll(inbox))
            except Exception as exc:  # noqa: BLE001 — reported below
                errors.append(exc)

    threads = [threading.Thread(target=watcher) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    assert errors == []
    assert sorted(r.archive for r in results) == names  # each name taken once
    loaded = [r for r in results if r.outcome == "loaded"]
    assert len(loaded) == 1, results
    assert all("уже получен" in r.reason for r in results if r is not loaded[0])
    row = fresh(loaded[0].file_id)
    assert [r.id for r in rows_of(row.archive_sha256)] == [row.id]
    assert_done(row, 2)
    assert len(list((inbox / PROCESSED).iterdir())) == 1
    assert len([p for p in (inbox / REJECTED).iterdir() if p.suffix == ".zip"]) == 2
    assert leftovers(inbox) == []


# -- still being written -------------------------------------------------------------------------------
def test_a_copy_still_being_written_waits_until_it_is_complete(inbox, tmp_path):
    pair = demo_pair(tmp_path, cases=2, mo=MO1)
    whole = pair.zip(tmp_path / "mail").read_bytes()
    target = inbox / pair.archive_name
    target.write_bytes(whole[:1000])  # the mail is writing it now

    assert poll(inbox, settle_seconds=5) == []  # its time is now
    assert target.exists()

    with open(target, "ab") as f:  # more of it, and a time as if it had stopped long ago
        f.write(whole[1000:])
    old = time.time() - SETTLED
    os.utime(target, (old, old))
    assert poll(inbox, settle_seconds=5) == []  # its size changed since the last look
    assert target.exists()

    [result] = poll(inbox, settle_seconds=5)  # unchanged since: complete
    assert result.outcome == "loaded"
    assert_done(fresh(result.file_id), 2)


def test_unfinished_and_hidden_names_are_not_taken(inbox, tmp_path):
    pair = demo_pair(tmp_path, cases=2, mo=MO1)
    src = pair.zip(tmp_path / "mail")
    for name in ("x.zip.part", "y.zip.tmp", ".z.zip", "W.ZIP.PART"):
        drop(src, inbox, name=name)
    assert poll(inbox) == []
    assert sorted(p.name for p in inbox.iterdir() if p.is_file()) == [".z.zip", "W.ZIP.PART", "x.zip.part", "y.zip.tmp"]


def test_a_claim_of_a_watcher_that_died_comes_back(inbox, tmp_path):
    pair = demo_pair(tmp_path, cases=2, mo=MO1)
    (inbox / WORKING).mkdir()
    dead = inbox / WORKING / f"{int(time.time()) - 7200}-deadbeef0000--{pair.archive_name}"
    dead.write_bytes(pair.zip(tmp_path / "mail").read_bytes())
    old = time.time() - SETTLED
    os.utime(dead, (old, old))

    [result] = poll(inbox)  # returned to the folder, then taken in the same look

    assert (result.archive, result.outcome) == (pair.archive_name, "loaded")
    assert not dead.exists()


# -- the watchers --------------------------------------------------------------------------------------
def test_the_embedded_runtime_watches_inbox_dir(app, tmp_path):
    folder = tmp_path / "inbox"
    folder.mkdir()
    with app.app_context():
        pair = demo_pair(tmp_path, cases=2, mo=MO1)
    app.config.update(JOBS_MODE="embedded", INBOX_DIR=folder, INBOX_POLL_SECONDS=0.2, INBOX_SETTLE_SECONDS=0.5)
    try:
        assert runtime.start_inbox_watcher(app)
        assert not runtime.start_inbox_watcher(app)  # one watcher a process
        src = pair.zip(tmp_path / "mail")
        (folder / pair.archive_name).write_bytes(src.read_bytes())  # just now: it settles first
        deadline = time.monotonic() + 120
        row = None
        while time.monotonic() < deadline:
            with app.app_context():
                row = db.session.query(UploadedFile).filter_by(archive_name=pair.archive_name).one_or_none()
                if row is not None and row.status == FileStatus.DONE:
                    break
            time.sleep(0.3)
        with app.app_context():
            assert row is not None, "the embedded runtime did not take the archive"
            row = fresh(row.id)
            assert (row.channel, row.organisation.code) == (FileChannel.MAIL, MO1)
            assert_done(row, 2)
        assert (folder / PROCESSED / pair.archive_name).is_file()
    finally:
        runtime.stop_inbox_watcher()
        app.config.update(JOBS_MODE="sync", INBOX_DIR=None, INBOX_POLL_SECONDS=10.0, INBOX_SETTLE_SECONDS=5.0)


def test_no_watcher_outside_the_embedded_mode_or_without_inbox_dir(app, tmp_path):
    assert app.config["JOBS_MODE"] == "sync"
    app.config["INBOX_DIR"] = tmp_path
    try:
        assert not runtime.start_inbox_watcher(app)
    finally:
        app.config["INBOX_DIR"] = None
    app.config["JOBS_MODE"] = "embedded"
    try:
        assert not runtime.start_inbox_watcher(app)  # no INBOX_DIR
    finally:
        app.config["JOBS_MODE"] = "sync"


def test_oms_watch_inbox_once(app, tmp_path):
    folder = tmp_path / "inbox"
    folder.mkdir()
    with app.app_context():
        pair = demo_pair(tmp_path, cases=2, mo=MO2)
    drop(pair.zip(tmp_path / "mail"), folder)
    (tmp_path / "junk.txt").write_text("не архив")
    drop(tmp_path / "junk.txt", folder)

    result = app.test_cli_runner().invoke(args=["oms", "watch-inbox", str(folder), "--once"])

    assert result.exit_code == 0, result.output
    out = {o["archive"]: o for o in map(json.loads, result.stdout.splitlines())}
    assert set(out) == {pair.archive_name, "junk.txt"}
    assert out["junk.txt"]["outcome"] == "rejected" and "ZIP" in out["junk.txt"]["reason"]
    loaded = out[pair.archive_name]
    assert loaded["outcome"] == "loaded"
    with app.app_context():
        row = fresh(loaded["file_id"])
        assert (row.organisation.code, row.channel) == (MO2, FileChannel.MAIL)
        assert_done(row, 2)


def test_oms_watch_inbox_needs_a_folder(app, tmp_path):
    result = app.test_cli_runner().invoke(args=["oms", "watch-inbox"])
    assert result.exit_code != 0 and "INBOX_DIR" in result.output


# -- who sees the row -------------------------------------------------------------------------------------
def test_a_mail_row_is_its_senders_only(app, browser_factory, tmp_path):
    from tests.api.helpers import FILES, Api
    from tests.crawl import problems, visible_text

    folder = tmp_path / "inbox"
    folder.mkdir()
    with app.app_context():
        pair = demo_pair(tmp_path, cases=2, mo=MO1, sender=SUB1)
        drop(pair.zip(tmp_path / "mail"), folder)
        [result] = poll(folder)
    file_id = result.file_id

    owner = browser_factory("mo1_operator")
    html = owner.get("/files/list/").get_data(as_text=True)  # newest first: on the first page
    assert pair.archive_name in html and "канал: почта" in html
    card = owner.get(f"/files/show/{file_id}")
    assert card.status_code == 200
    card_text = visible_text(card.get_data(as_text=True))
    assert re.search(r"Канал\s+почта", card_text), card_text
    assert problems(visible_text(html)) == [] and problems(card_text) == []
    sub1 = browser_factory("mo1_sub1_operator")  # the subdivision that sent it
    assert sub1.get(f"/files/show/{file_id}").status_code == 200

    api = Api.with_key(app, browser_factory, "mo1_operator")
    listed = api.get(f"{FILES}/?archive={pair.archive_name}").get_json()["result"]
    assert [(f["id"], f["channel"]) for f in listed] == [(file_id, "mail")]

    for login in ("mo2_operator", "smo1_specialist"):
        other = browser_factory(login)
        assert other.get(f"/files/show/{file_id}").status_code in (302, 403, 404), login
        page = other.get("/files/list/").get_data(as_text=True)
        assert pair.archive_name not in page, login
    other_api = Api.with_key(app, browser_factory, "mo2_operator")
    assert other_api.get(f"{FILES}/{file_id}").status_code == 404
    assert other_api.get(f"{FILES}/?archive={pair.archive_name}").get_json()["result"] == []


def test_an_rq_worker_looks_at_the_folder_in_its_maintenance(app, intake, tmp_path, monkeypatch):
    """``OmsWorker`` (``make worker``) with INBOX_DIR: it waits for a job no longer than the folder's
    interval, its maintenance is due as often, and a maintenance takes the dropped archive."""
    import fakeredis

    from app.jobs.worker import OmsWorker
    from config import Config

    folder = tmp_path / "inbox"
    folder.mkdir()
    pair = demo_pair(tmp_path, cases=2, mo=MO1)
    drop(pair.zip(tmp_path / "mail"), folder)
    monkeypatch.setattr(Config, "INBOX_DIR", folder)
    monkeypatch.setattr(Config, "INBOX_POLL_SECONDS", 3.0)
    app.config["INBOX_DIR"] = folder
    try:
        worker = OmsWorker(["default"], connection=fakeredis.FakeStrictRedis())
        assert worker.dequeue_timeout == 3
        assert worker.should_run_maintenance_tasks
        worker.run_maintenance_tasks()
        assert not worker.should_run_maintenance_tasks  # both looked at just now
        worker._inbox_looked_at -= 3  # the folder's interval passed, not the minute
        assert worker.should_run_maintenance_tasks
    finally:
        app.config["INBOX_DIR"] = None
    row = db.session.query(UploadedFile).filter_by(archive_name=pair.archive_name).one()
    assert (row.channel, row.organisation.code) == (FileChannel.MAIL, MO1)
    assert_done(row, 2)
    assert (folder / PROCESSED / pair.archive_name).is_file()
    monkeypatch.setattr(Config, "INBOX_DIR", None)
    assert OmsWorker(["default"], connection=fakeredis.FakeStrictRedis()).dequeue_timeout == 60


@pytest.mark.redis
def test_two_rq_workers_watch_one_folder(app, tmp_path):
    """Production: two ``rq worker`` processes (real Redis, the test's database) look at the same
    folder; each archive is loaded once, by one of them, and its copy is refused."""
    import signal
    import subprocess
    import sys

    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:
        pytest.skip("REDIS_URL is not set: the real-Redis mode runs in CI (.ci/run)")
    root = Path(__file__).resolve().parents[2]
    folder = tmp_path / "inbox"
    folder.mkdir()
    with app.app_context():
        pairs = [demo_pair(tmp_path, cases=2, mo=MO1), demo_pair(tmp_path, cases=2, mo=MO2)]
    for pair in pairs:
        src = pair.zip(tmp_path / "mail")
        drop(src, folder)
        drop(src, folder, name=f"copy-{pair.archive_name}")
    env = dict(os.environ, INBOX_DIR=str(folder), INBOX_POLL_SECONDS="1", INBOX_SETTLE_SECONDS="0.5")
    workers = [
        subprocess.Popen(
            [str(Path(sys.executable).parent / "rq"), "worker", "--url", redis_url]
            + ["--worker-class", "app.jobs.worker.OmsWorker", *runtime.WORKER_QUEUES],
            cwd=root,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        for _ in range(2)
    ]
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            with app.app_context():
                rows = [
                    db.session.query(UploadedFile).filter_by(archive_name=p.archive_name).all()
                    + db.session.query(UploadedFile).filter_by(archive_name=f"copy-{p.archive_name}").all()
                    for p in pairs
                ]
                if all(len(r) == 1 and r[0].status == FileStatus.DONE for r in rows) and not leftovers(folder):
                    break
            time.sleep(0.5)
        with app.app_context():
            for pair, found in zip(pairs, rows, strict=True):
                assert len(found) == 1, (pair.archive_name, found)
                row = fresh(found[0].id)
                assert row.channel == FileChannel.MAIL
                assert_done(row, 2)
        assert leftovers(folder) == []
        assert len(list((folder / PROCESSED).iterdir())) == 2
        assert len([p for p in (folder / REJECTED).iterdir() if p.suffix == ".zip"]) == 2
    finally:
        for proc in workers:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=60)
