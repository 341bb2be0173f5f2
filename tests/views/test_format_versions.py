"""«Версии форматов по периодам»: seeded, read by everybody, changed only by the ТФОМС (checked and
audited), and what the next load and the payer's registry file use."""

from __future__ import annotations

import datetime as dt

import pytest

from app.extensions import db
from app.formats.periods import DEFAULT_PERIODS
from app.models.audit import AuditEvent
from app.models.reference import FormatVersionPeriod
from app.services.reference import format_versions

LIST = "/format-versions/list/"


@pytest.fixture()
def restore_table(app):
    """The seed again after the test (other tests rely on it)."""
    yield
    with app.app_context():
        db.session.query(FormatVersionPeriod).delete()
        db.session.commit()
        format_versions.ensure_defaults()


def test_the_table_is_seeded_once_and_read_by_loads(app):
    with app.app_context():
        rows = db.session.query(FormatVersionPeriod).count()
        assert rows == len(DEFAULT_PERIODS)
        assert format_versions.ensure_defaults() == 0  # a second sync adds nothing
        assert format_versions.version_for("H", 2026, 10) == "5.1"
        assert format_versions.version_for("X", 2024, 12) == "3.1"
        assert format_versions.version_for("L", 2026, 10) == "3.2"
        assert format_versions.version_for("H", 2026, 13) is None


def test_everybody_reads_it(browser_factory):
    for login in ("mo1_operator", "smo1_specialist", "tfoms_admin"):
        page = browser_factory(login).get(LIST)
        assert page.status_code == 200, login
        assert "002F.00.0016" in page.get_data(as_text=True)


def _add(b, **values):
    b.fetch_csrf("/format-versions/add")
    data = {
        "kind": "X",
        "version": "3.2",
        "period_from": "2025-07-01",
        "period_to": "",
        "check_code": "002F.00.0010",
        "comment": "ТФОМС: D-файлы в 3.2",
        "csrf_token": b.csrf,
    }
    data.update(values)
    return b.client.post("/format-versions/add", data=data, follow_redirects=True)


def test_the_fund_changes_it_checked_and_audited(app, browser_factory, restore_table):
    b = browser_factory("tfoms_admin")
    page = _add(b, version="9.9").get_data(as_text=True)
    assert "Версия «9.9» для файлов X не описана в системе" in page
    page = _add(b, period_from="2025-09-01", period_to="2025-07-01").get_data(as_text=True)
    assert "Начало периода позже его конца" in page
    with app.app_context():
        assert db.session.query(FormatVersionPeriod).count() == len(DEFAULT_PERIODS)
    _add(b, period_from="2025-07-15")
    with app.app_context():
        row = db.session.query(FormatVersionPeriod).filter_by(kind="X", version="3.2").one()
        assert row.period_from == dt.date(2025, 7, 1)  # a day of a month is its month
        assert format_versions.version_for("X", 2026, 3) == "3.2"  # the row that started last wins
        assert format_versions.version_for("H", 2026, 3) == "5.1"
        event = db.session.query(AuditEvent).filter_by(event="format_versions_changed").one()
        assert event.username == "tfoms_admin" and "3.2" in str(event.details)


def test_mo_and_smo_cannot_change_it(app, browser_factory):
    for login in ("mo1_operator", "smo1_specialist"):
        b = browser_factory(login)
        b.fetch_csrf(LIST)
        resp = b.client.post(
            "/format-versions/add",
            data={"kind": "H", "version": "3.2", "check_code": "002F.00.0010", "csrf_token": b.csrf},
        )
        assert resp.status_code in (302, 403), login
        with app.app_context():
            row_id = db.session.query(FormatVersionPeriod.id).first()[0]
        resp = b.client.post(f"/format-versions/delete/{row_id}", data={"csrf_token": b.csrf})
        assert resp.status_code in (302, 403), login
    with app.app_context():
        assert db.session.query(FormatVersionPeriod).count() == len(DEFAULT_PERIODS)
