"""«Хронология реестра»: one registry walked through the whole workflow — formed, sent, the
documents made, taken by the СМО, returned «На доработку» with the СМО's МЭК results, deleted by
the МО, its file loaded again corrected, formed again, taken, the МЭК results, «На подпись МО», the
three МО signatures, the СМО's, «Закрыт» — and its timeline compared with what the walk saw: the
statuses with who and the comment, the documents with their hashes, every signature verified, the
МЭК results file, the source files with the rules and the НСИ in force at their load; the XLSX
holds the page's entries; every audited change of a registry shows; the other МО, the other СМО
and a subdivision's login find no registry."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import html as lxml_html
from openpyxl import load_workbook

from app.core.formatting import format_datetime
from app.extensions import db
from app.models.analytics import RefusalSource
from app.models.audit import EVENTS, AuditEvent
from app.models.intake import UploadedFile
from app.models.registry import Registry, RegistryDocument
from app.models.vocabulary import RegistryStatus, SigningMethod
from app.services.accounts.people import person_name
from app.services.registries import documents, queries, timeline
from app.services.registries import workflow as wf
from app.services.registries.formation import form_registries
from app.services.registries.mek_results import load_results
from app.services.registries.timeline_files import in_force_lines
from app.services.signing import registry_signing as signing
from tests.analytics.oracle import assert_equal
from tests.registries.helpers import demo, load, results_file, user
from tests.signing.helpers import PASS, make_test_pki

PERIOD = dict(year=2026, month=2)  # no other test loads files of 02.2026 (nor of 06.2026, below)
RETURN_COMMENT = "Случай 1 отказан по МЭК: исправьте и отправьте заново"


def _rewrite(archive: Path, old: bytes, new: bytes, out: Path) -> Path:
    """The МО's corrected export: the same archive with a value changed in its cases file."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(archive) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in src.namelist():
            data = src.read(name)
            dst.writestr(name, data.replace(old, new) if name.startswith("H") else data)
    return out


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class Walk:
    """The walk of one registry's cases, and what it saw after each step: (status, who, comment)."""

    def __init__(self):
        self.seen: dict[int, list[tuple[str, str, str]]] = {}

    def saw(self, reg_id: int, status: str, login: str | None, comment: str | None = None) -> None:
        who = person_name(user(login)) if login else "система"
        self.seen.setdefault(reg_id, []).append((status, who, comment or ""))

    def move(self, login: str, reg_id: int, target: str, comment: str | None = None) -> None:
        result = wf.change_status(user(login), reg_id, target, comment)
        assert result.ok, result.message
        self.saw(reg_id, target, login, comment)
        if target == RegistryStatus.SENT:  # the documents job (synchronous here) moves it on
            assert result.status == RegistryStatus.FORMED, result.message
            self.saw(reg_id, RegistryStatus.FORMED, None, "Документы сформированы")

    def sign(self, login: str, reg_id: int, pki) -> None:
        before = db.session.get(Registry, reg_id).status
        role = signing.turn(db.session.get(Registry, reg_id))
        result = signing.sign_with_pkcs12(user(login), reg_id, pki.p12(login), PASS)
        assert result.ok, result.message
        if result.status != before:
            comment = f"Подписано: {signing.role_name(role)} ({SigningMethod.label_of(SigningMethod.PKCS12)})"
            self.saw(reg_id, result.status, login, comment)


@pytest.fixture(scope="module")
def story(app, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("timeline")
    walk = Walk()
    with app.app_context():
        app.config["JOBS_MODE"] = "sync"
        pki = make_test_pki()
        archive = demo(tmp / "1", seed=2103, cases=30, **PERIOD).path
        first = load(archive)
        period = f"{PERIOD['year']}-{PERIOD['month']:02d}"
        formed = form_registries(user("mo1_operator"), period, "АПП")
        assert formed.ok, formed.message
        returned = next(r["id"] for r in formed.registries if r["payer"] == "14001")
        walk.saw(returned, RegistryStatus.CREATED, "mo1_operator")
        walk.move("mo1_operator", returned, RegistryStatus.SENT)
        walk.move("smo1_specialist", returned, RegistryStatus.TAKEN)
        first_results = results_file(returned, tmp / "mek1.zip", {0: "refuse"})
        assert load_results(user("smo1_specialist"), returned, first_results).ok
        walk.move("smo1_specialist", returned, RegistryStatus.REWORK, RETURN_COMMENT)
        returned_story = timeline.registry_timeline(user("mo1_operator"), returned)
        returned_number = returned_story.registry.number
        assert queries.delete_registry(user("mo1_operator"), returned).ok
        # «Аналитика» forgets the payer's refusal of the deleted registry (its figures are refreshed)
        figures = assert_equal(first.organisation_id, PERIOD["year"], PERIOD["month"])
        assert not [k for k in figures["stats"] if k[0] == RefusalSource.PAYER]

        # the corrected export replaces the cases of the deleted registry
        corrected_path = _rewrite(archive, b"<C_ZAB>1</C_ZAB>", b"<C_ZAB>2</C_ZAB>", tmp / "2" / archive.name)
        corrected = load(corrected_path)
        again = form_registries(user("mo1_operator"), period, "АПП")
        assert again.ok, again.message
        reg_id = next(r["id"] for r in again.registries if r["payer"] == "14001")
        walk.saw(reg_id, RegistryStatus.CREATED, "mo1_operator")
        walk.move("mo1_operator", reg_id, RegistryStatus.SENT)
        walk.move("smo1_specialist", reg_id, RegistryStatus.TAKEN)
        results = results_file(reg_id, tmp / "mek2.zip", {1: Decimal("100.00")})
        assert load_results(user("smo1_specialist"), reg_id, results).ok
        walk.move("smo1_specialist", reg_id, RegistryStatus.MO_SIGNING)
        for login in ("mo1_executor", "mo1_accountant", "mo1_head", "smo1_signer"):
            walk.sign(login, reg_id, pki)
        # the same export once more: its cases are in the registry, skipped
        later = load(corrected_path, name="once-more.zip")
        db.session.expire_all()
        assert db.session.get(Registry, reg_id).status == RegistryStatus.CLOSED
        return dict(
            walk=walk,
            reg_id=reg_id,
            returned=returned,
            returned_number=returned_number,
            returned_story=returned_story,
            files=dict(first=first.id, corrected=corrected.id, later=later.id),
            results_sha=_sha(results),
            first_results_sha=_sha(first_results),
        )


def _entries(story, login="mo1_operator", reg_id=None):
    got = timeline.registry_timeline(user(login), reg_id or story["reg_id"])
    assert got is not None
    return got


# -- what the walk saw, the timeline tells --------------------------------------------------------------
def test_statuses_are_the_walk_with_who_and_comment(app_ctx, story):
    got = _entries(story)
    statuses = [(e.status, e.who, e.comment) for e in got.entries if e.kind == "status"]
    assert statuses == story["walk"].seen[story["reg_id"]]
    assert [e.at for e in got.entries] == sorted(e.at for e in got.entries)
    # the returned registry's own timeline, taken before it was deleted: its return with the refusals
    before = story["returned_story"]
    assert [(e.status, e.who, e.comment) for e in before.entries if e.kind == "status"] == story["walk"].seen[
        story["returned"]
    ]
    back = next(e for e in before.entries if e.status == RegistryStatus.REWORK)
    assert back.title.startswith("Возвращен на доработку") and back.comment == RETURN_COMMENT
    assert any(line.startswith("Отказы плательщика по МЭК: случаев 1") for line in back.details)
    assert any("5.2.4" in line for line in back.details)


def test_the_deleted_registry_of_the_same_cases_is_told(app_ctx, story):
    earlier = [e for e in _entries(story).entries if e.kind == "earlier"]
    assert all(story["returned_number"] in e.title for e in earlier)
    assert (RegistryStatus.REWORK, RETURN_COMMENT) in [(e.status, e.comment) for e in earlier]
    assert any(e.title.endswith(EVENTS["registry_deleted"]) for e in earlier)
    assert any(e.title.endswith(EVENTS["mek_results_loaded"]) for e in earlier)


def test_documents_with_their_hashes_and_the_earlier_versions(app_ctx, story):
    entries = _entries(story).entries
    docs = db.session.query(RegistryDocument).filter_by(registry_id=story["reg_id"]).all()
    current = [e for e in entries if e.kind == "document" and e.ok is not None]
    assert sorted(e.sha256 for e in current) == sorted(d.sha256 for d in docs)
    assert {e.title for e in current} == {f"Документ «{d.title}» сформирован" for d in docs}
    assert all(e.ok and e.check.startswith("Файл не изменен") for e in current)
    assert {"Акт МЭК", "Реестр счета", "Счет", "Сводный реестр"} <= {d.title for d in docs}
    # the payer's МЭК changed the sums payable: the documents made before it are earlier versions
    made = next(
        ev
        for ev in db.session.query(AuditEvent).filter_by(
            event="registry_documents_made", object_id=str(story["reg_id"])
        )
    )
    earlier = {e.sha256 for e in entries if e.kind == "document" and e.ok is None}
    assert earlier and earlier <= {d["sha256"] for d in timeline.event_details(made)["documents"]}
    assert not earlier & {d.sha256 for d in docs}


def test_a_changed_document_shows_in_the_check(app_ctx, story):
    doc = db.session.query(RegistryDocument).filter_by(registry_id=story["reg_id"], kind="summary").one()
    saved = Path(doc.path).read_bytes()
    try:
        Path(doc.path).write_bytes(saved + b"\x00")
        entries = _entries(story).entries
        entry = next(e for e in entries if e.kind == "document" and e.sha256 == doc.sha256)
        assert entry.ok is False and entry.check == "Файл изменен: SHA-256 не совпадает"
        assert any(e.kind == "signature" and e.ok is False for e in entries)  # the signatures cover it
    finally:
        Path(doc.path).write_bytes(saved)


def test_every_signature_is_listed_and_verifies_now(app_ctx, story):
    sigs = [e for e in _entries(story).entries if e.kind == "signature"]
    assert [e.title for e in sigs] == [
        "Подпись: " + signing.role_name(r) for r in ("executor", "chief_accountant", "head", "smo_signer")
    ]
    assert [e.who for e in sigs] == [
        person_name(user(login)) for login in ("mo1_executor", "mo1_accountant", "mo1_head", "smo1_signer")
    ]
    assert all(e.ok and e.check.startswith("Действительна") for e in sigs)
    checks = signing.verify_registry(story["reg_id"])
    assert len(checks) == 4 * db.session.query(RegistryDocument).filter_by(registry_id=story["reg_id"]).count()


def test_the_mek_results_file_is_listed(app_ctx, story):
    mek = [e for e in _entries(story).entries if e.kind == "mek"]
    assert len(mek) == 1 and mek[0].who == person_name(user("smo1_specialist"))
    assert f"SHA-256: {story['results_sha']}" in mek[0].details
    assert "Снято случаев: 1" in mek[0].details
    assert any(line.startswith("N_ZAP ") and "5.3.1" in line for line in mek[0].details)
    reg = db.session.get(Registry, story["reg_id"])
    assert reg.mek_loaded_at is not None and reg.mek_refused == 1
    # the returned registry's own file, in its own timeline
    first = next(e for e in story["returned_story"].entries if e.kind == "mek")
    assert f"SHA-256: {story['first_results_sha']}" in first.details


def test_source_files_with_rules_and_nsi_in_force(app_ctx, story):
    entries = _entries(story).entries
    files = story["files"]
    for key in ("first", "corrected", "later"):
        row = db.session.get(UploadedFile, files[key])
        upload = next(e for e in entries if e.kind == "file" and e.file_id == row.id)
        assert upload.at == row.uploaded_at and upload.who == person_name(user("mo1_operator"))
        assert "Канал: веб" in upload.details
        done = next(e for e in entries if e.kind == "load" and e.file_id == row.id)
        assert done.at == row.finished_at and row.status in done.title
        assert row.rules_version and in_force_lines(row)[0] in done.details
        assert in_force_lines(row)[1] in done.details
        assert not re.search(r"\d{4}-\d{2}-\d{2}", " ".join(in_force_lines(row)))  # dates as ДД.ММ.ГГГГ
    roles = {e.file_id: e.details[0] for e in entries if e.kind == "file"}
    assert roles[files["corrected"]].startswith("Случаев этого реестра из файла: ")
    assert roles[files["first"]].startswith("Прежняя загрузка: случаи файла заменены файлом")
    assert roles[files["later"]].startswith("Повторная загрузка: пропущено случаев")
    assert db.session.get(UploadedFile, files["first"]).replaced_by_id == files["corrected"]


def test_every_audited_change_of_the_registry_is_an_entry(app_ctx, story):
    entries = _entries(story).entries
    events = db.session.query(AuditEvent).filter_by(object_type="Registry", object_id=str(story["reg_id"])).all()
    assert events
    kinds = {e.kind for e in entries}
    for ev in events:
        if ev.event == "registry_status_changed":
            assert any(e.kind == "status" and e.status == timeline.event_details(ev)["to"] for e in entries)
        elif ev.event in ("registry_signed", "mek_results_loaded", "registry_documents_made"):
            assert {"signature", "mek", "document"} <= kinds
        else:
            assert any(e.kind == "event" and e.title == EVENTS[ev.event] for e in entries), ev.event


def test_a_change_makes_an_entry(app_ctx, tmp_path):
    """The documents job dies, the МО retries: each step is audited and shows in the timeline."""
    load(demo(tmp_path, seed=2104, cases=20, year=2026, month=6).path)
    formed = form_registries(user("mo1_operator"), "2026-06", "АПП")
    reg_id = next(r["id"] for r in formed.registries if r["payer"] == "14001")
    assert wf.move(reg_id, RegistryStatus.CREATED, RegistryStatus.SENT, user=user("mo1_operator"))
    db.session.commit()  # «Отправлен», the documents job not run
    before = _entries({"reg_id": reg_id}).entries
    documents.mark_interrupted(reg_id, "процесс обработки остановлен")
    after = _entries({"reg_id": reg_id}).entries
    new = [e for e in after if e not in before]
    assert [e.title for e in new] == [EVENTS["registry_documents_failed"]]
    assert "Ошибка: Формирование документов прервано: процесс обработки остановлен" in new[0].details
    assert wf.retry_documents(user("mo1_operator"), reg_id).ok  # synchronous: the documents are made
    latest = _entries({"reg_id": reg_id}).entries
    titles = [e.title for e in latest if e not in after]
    assert EVENTS["registry_documents_retried"] in titles
    assert "Статус: «Отправлен» → «Сформирован»" in titles
    assert sum(1 for e in latest if e.kind == "document" and e.ok) == 4
    retried = next(e for e in latest if e.title == EVENTS["registry_documents_retried"])
    assert retried.who == person_name(user("mo1_operator"))


# -- the page, the print and the XLSX ---------------------------------------------------------------------
def _page_rows(page: str) -> list[list[str]]:
    tree = lxml_html.fromstring(page)
    rows = []
    for tr in tree.xpath("//table[@id='registry-timeline']/tbody/tr[contains(@class,'timeline-entry')]"):
        cells = tr.xpath("./td")
        title = (cells[3].text or "").strip()
        details = "\n".join(t.strip() for t in cells[5].itertext() if t.strip())
        rows.append(
            [cells[0].text_content().strip(), cells[1].text_content().strip(), cells[2].text_content().strip()]
            + [title, cells[4].text_content().strip(), details, cells[6].text_content().strip()]
        )
    return rows


def _xlsx_rows(data: bytes) -> list[list[str]]:
    ws = load_workbook(io.BytesIO(data)).active
    values = [list(r) for r in ws.iter_rows(values_only=True)]
    start = next(i for i, r in enumerate(values) if r and r[0] == "№") + 1
    out = []
    for n, at, kind, title, who, details, check in values[start:]:
        out.append(
            [str(n), format_datetime(at) if isinstance(at, dt.datetime) else str(at), kind, title or ""]
            + [who or "—", details or "", check or ""]
        )
    return out


def test_the_xlsx_has_the_entries_of_the_page(story, browser_factory):
    b = browser_factory("mo1_operator")
    page = b.get(f"/registries/timeline/{story['reg_id']}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    rows = _page_rows(text)
    book = b.get(f"/registries/timeline/{story['reg_id']}.xlsx")
    assert book.status_code == 200 and book.mimetype.endswith("spreadsheetml.sheet")
    assert _xlsx_rows(book.get_data()) == rows
    assert len(rows) > 20
    kinds = {r[2] for r in rows}
    assert {"Файл", "Загрузка", "Статус", "Документ", "Подпись", "МЭК плательщика", "Прежний реестр"} <= kinds
    # the links of the entries: the МО sees its files' cards
    assert f"/files/show/{story['files']['corrected']}" in text
    printed = b.get(f"/registries/timeline/{story['reg_id']}/print")
    assert printed.status_code == 200
    printed_text = printed.get_data(as_text=True)
    assert "@page { size: A4 landscape" in printed_text and "window.print()" in printed_text
    assert [r[:4] for r in _page_rows(printed_text)] == [r[:4] for r in rows]


def test_links_to_the_timeline(story, browser_factory):
    b = browser_factory("mo1_operator")
    url = f"/registries/timeline/{story['reg_id']}"
    assert url in b.get(f"/registries/documents/{story['reg_id']}").get_data(as_text=True)
    assert url in b.get(f"/registries/cases/{story['reg_id']}").get_data(as_text=True)
    # the row of «Текущие реестры»: the registry «Создан» of the first load, paid by the other СМО
    listing = b.get("/registries/list/?period=2026-02").get_data(as_text=True)
    assert re.search(r'href="/registries/timeline/\d+" title="Хронология"', listing)


# -- scope, from the attacker's side ---------------------------------------------------------------------------
@pytest.mark.parametrize("login", ["mo2_operator", "smo2_specialist", "mo1_sub1_operator"])
def test_others_find_no_registry(story, browser_factory, app, login):
    b = browser_factory(login)
    for suffix in ("", ".xlsx", "/print"):
        r = b.get(f"/registries/timeline/{story['reg_id']}{suffix}")
        assert r.status_code == 404, (login, suffix)
        assert "Реестр не найден" in r.get_data(as_text=True), (login, suffix)
    with app.app_context():
        assert timeline.registry_timeline(user(login), story["reg_id"]) is None
        assert timeline.timeline_xlsx(user(login), story["reg_id"]) is None


@pytest.mark.parametrize("login", ["smo1_specialist", "tfoms_admin"])
def test_the_payer_and_the_fund_read_it(story, browser_factory, login):
    r = browser_factory(login).get(f"/registries/timeline/{story['reg_id']}")
    assert r.status_code == 200
    text = r.get_data(as_text=True)
    assert "Хронология реестра" in text and "Подпись:" in text
    if login.startswith("smo"):  # the payer reads that the files were loaded; the МО's file pages are not its
        assert "/files/show/" not in text
