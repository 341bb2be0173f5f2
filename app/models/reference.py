"""Reference books (НСИ) and the control rule catalogue."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Date, DateTime, Index, Integer, Numeric, String, Text, UniqueConstraint

from app.models.base import Model, utcnow


class NsiItem(Model):
    """One row of a reference book (F002, V006, M001, …) with its validity dates."""

    __tablename__ = "nsi_item"
    __table_args__ = (
        UniqueConstraint("book", "code", "date_begin", name="uq_nsi_item_book_code_begin"),
        Index("ix_nsi_item_book_code", "book", "code"),
    )

    id = Column(Integer, primary_key=True)
    book = Column(String(8), nullable=False)
    code = Column(String(40), nullable=False)
    name = Column(Text)
    date_begin = Column(Date)
    date_end = Column(Date)


class NsiBookVersion(Model):
    """What was imported for a book: version and date of the official export."""

    __tablename__ = "nsi_book_version"
    id = Column(Integer, primary_key=True)
    book = Column(String(8), nullable=False, unique=True)
    title = Column(String(250))
    version = Column(String(20))
    published = Column(String(20))
    rows = Column(Integer, nullable=False, default=0)
    imported_at = Column(DateTime, default=utcnow)


class ControlRule(Model):
    """A control rule of the catalogue: ФЛК (Q015 or regional) or МЭК (Q016 or regional).

    The code of each implemented rule lives in ``app/controls``; this row holds what the fund
    may change: on/off, texts and validity dates (updated from the official Q015/Q016 XML).
    """

    __tablename__ = "control_rule"
    __table_args__ = (UniqueConstraint("code", name="uq_control_rule_code"),)

    id = Column(Integer, primary_key=True)
    code = Column(String(20), nullable=False)
    stage = Column(String(4), nullable=False)  # ФЛК / МЭК
    element = Column(String(250))
    file_types = Column(String(40))
    message = Column(String(500), nullable=False)
    valid_from = Column(Date)
    valid_to = Column(Date)
    enabled = Column(Boolean, nullable=False, default=True)
    implemented = Column(Boolean, nullable=False, default=True)
    source = Column(String(10))  # Q015, Q016, regional, structure
    refusal_code = Column(String(10))  # МЭК: F014 code for SANK/S_OSN
    withhold_share = Column(Numeric(5, 4))  # МЭК: share of the sum withheld (1 = all)
    hint = Column(String(500))  # for the МО operator, beside the official text (app/controls/hints.py)
    # an official Q015 row the system interprets (app/controls/official): its check columns as JSON;
    # empty for the rules written in code.  ``problem``: why the row does not compile (it stays off)
    definition = Column(Text)
    problem = Column(String(250))
    updated_at = Column(DateTime, default=utcnow, onupdate=utcnow)


class FormatVersionPeriod(Model):
    """«Версии форматов по периодам»: files of ``kind`` for the reporting periods ``period_from`` …
    ``period_to`` (first days of months; empty = open) must carry ZGLV/VERSION ``version``; another
    version is refused under the Q015 check ``check_code``.  Seeded from app.formats.periods, edited
    by the ТФОМС."""

    __tablename__ = "format_version_period"
    __not_found__ = "Строка версий форматов не найдена"

    id = Column(Integer, primary_key=True)
    kind = Column(String(1), nullable=False)  # H, C, T, X (D-files), L
    version = Column(String(5), nullable=False)
    period_from = Column(Date)
    period_to = Column(Date)
    check_code = Column(String(20), nullable=False)
    comment = Column(String(250))
    updated_at = Column(DateTime, default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"{self.kind} {self.version}"
