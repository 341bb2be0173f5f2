"""«Аналитика»: the refusal figures kept ready for the pages, so that they answer at once over
millions of cases.  Both tables are derived data: ``app.services.analytics.refresh`` rebuilds the
rows of one МО and period from the cases of its loaded files (``oms refresh-analytics`` all of them).

- :class:`RefusalStat` — per rule code: the cases it refused and the sum they lost;
- :class:`RefusalTotal` — per source: the distinct cases (a case refused by two rules counts once)
  and their sum, and the source «Все» (every case of the loaded files, with its declared SUMV), the
  base of the shares;
- :class:`RefusalCase` — the cases behind those figures, a row per refused case and source (code
  empty) and per case and code, with what it lost: the lists of cases read them by index, so a list
  has exactly the cases its figure counts, and answers at once whatever the number of cases.

Each row is one МО, subdivision (none: files of the whole МО), payer (the case's ``payer_id``; none
for a case refused before the ЕРЗ), year, month and source, so the scope of a user is a condition on
the row itself: the МО sees its rows (a subdivision-limited login its subdivision's), the СМО the rows
of the cases it pays, the ТФОМС all."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, ForeignKey, Index, Integer, String

from app.models.base import Model, Money
from app.models.vocabulary import Vocabulary
from app.security.scope import ScopeRule

_SCOPE = ScopeRule(mo="organisation_id", subdivision="subdivision_id", smo="payer_id")


class RefusalSource(Vocabulary):
    """Where a refusal comes from (the ``stage`` of the rows)."""

    FLK = "ФЛК", "ФЛК"  # a case refused on the ФЛК: its whole SUMV is lost
    MEK = "МЭК", "МЭК"  # «Снято по МЭК» of the file rows: the load's МЭК and the payer's results
    PAYER = "СМО", "МЭК плательщика"  # the payer's МЭК results file, by its F014 reasons
    ALL = "Все", "Все случаи"  # every case of the loaded files (totals only): the base of the shares


class RefusalStat(Model):
    """The cases one rule code (or, for the payer, one F014 reason) refused and the sum withheld."""

    __tablename__ = "refusal_stat"
    __scope__ = _SCOPE
    __table_args__ = (
        Index("ix_refusal_stat_org_period", "organisation_id", "year", "month"),
        Index("ix_refusal_stat_payer_period", "payer_id", "year", "month"),
        Index("ix_refusal_stat_period", "year", "month"),
    )

    id = Column(Integer, primary_key=True)
    organisation_id = Column(Integer, ForeignKey("organisation.id", ondelete="CASCADE"), nullable=False)
    subdivision_id = Column(Integer)
    payer_id = Column(Integer)
    year = Column(Integer, nullable=False)
    month = Column(Integer, nullable=False)
    stage = Column(String(4), nullable=False)  # RefusalSource: ФЛК, МЭК, СМО
    code = Column(String(20), nullable=False)
    cases = Column(Integer, nullable=False, default=0)
    amount = Column(Money(), nullable=False, default=0)


class RefusalTotal(Model):
    """The distinct cases of one source and their sum (source «Все»: every case, SUMV declared)."""

    __tablename__ = "refusal_total"
    __scope__ = _SCOPE
    __table_args__ = (
        Index("ix_refusal_total_org_period", "organisation_id", "year", "month"),
        Index("ix_refusal_total_payer_period", "payer_id", "year", "month"),
        Index("ix_refusal_total_period", "year", "month"),
    )

    id = Column(Integer, primary_key=True)
    organisation_id = Column(Integer, ForeignKey("organisation.id", ondelete="CASCADE"), nullable=False)
    subdivision_id = Column(Integer)
    payer_id = Column(Integer)
    year = Column(Integer, nullable=False)
    month = Column(Integer, nullable=False)
    stage = Column(String(4), nullable=False)  # RefusalSource
    cases = Column(Integer, nullable=False, default=0)
    amount = Column(Money(), nullable=False, default=0)


class RefusalCase(Model):
    """A refused case of a source (``code`` empty) or of one of its codes, and the sum it lost there
    (ФЛК: its SUMV; МЭК: what the case lost, or the code's sanctions; СМО: SANK_IT)."""

    __tablename__ = "refusal_case"
    __scope__ = _SCOPE
    __table_args__ = (
        Index("ix_refusal_case_period", "year", "month", "stage", "code", "case_id"),
        Index("ix_refusal_case_org_period", "organisation_id", "year", "month", "stage", "code", "case_id"),
        Index("ix_refusal_case_payer_period", "payer_id", "year", "month", "stage", "code", "case_id"),
    )

    id = Column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    case_id = Column(BigInteger().with_variant(Integer, "sqlite"), nullable=False)
    organisation_id = Column(Integer, ForeignKey("organisation.id", ondelete="CASCADE"), nullable=False)
    subdivision_id = Column(Integer)
    payer_id = Column(Integer)
    year = Column(Integer, nullable=False)
    month = Column(Integer, nullable=False)
    stage = Column(String(4), nullable=False)  # RefusalSource: ФЛК, МЭК, СМО
    code = Column(String(20), nullable=False, default="")  # empty: the source as a whole
    amount = Column(Money(), nullable=False, default=0)
