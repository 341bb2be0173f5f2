"""The cases of a loaded file and one case with its recalculated cost, as the МИС API shows them
(the page «Случаи» shows the same rows).  Like the page, only the cases of files whose load ended
are shown, and only in the user's scope: a case of another organisation (or of another
subdivision for a login limited to one) is as absent as one that does not exist.

Filter values a list cannot take raise :class:`~app.services.intake.listing.FilterRefused`."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, func, select

from app.extensions import db
from app.models.intake import MedicalCase, UploadedFile, loaded_file_ids
from app.models.user import OmsUser
from app.models.vocabulary import CaseStatus
from app.security.request_scope import get_scoped
from app.security.scope import Scope
from app.services.intake.listing import FilterRefused
from app.tariffs import breakdown

PAGE_SIZE = 100


@dataclass(frozen=True)
class CaseCard:
    """A case and its cost (:func:`app.tariffs.breakdown.cost` of its ``calc_detail``)."""

    case: MedicalCase
    cost: dict


def case_status(text: str | None) -> CaseStatus | None:
    """The case status of a filter (None when empty); an unknown one -> :class:`FilterRefused`."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        return CaseStatus(text)
    except ValueError:
        raise FilterRefused(f"Неизвестный статус случая «{text}»") from None


def case_page(
    user: OmsUser, file: UploadedFile, status: str | None = None, page: int = 0, size: int = PAGE_SIZE
) -> tuple[int, list[MedicalCase]]:
    """The cases of ``file`` (the caller found it in the user's scope) the user may see, of one
    ``status`` (empty: every status), as (how many in all, the rows of page ``page`` of ``size``
    rows) in the order of the file (N_ZAP as loaded, i.e. by id).  A file whose load has not
    ended shows none."""
    conds = [
        MedicalCase.file_id == file.id,
        MedicalCase.file_id.in_(loaded_file_ids()),
        Scope.of(user).clause(MedicalCase),
    ]
    wanted = case_status(status)
    if wanted is not None:
        conds.append(MedicalCase.status == wanted)
    cond = and_(*conds)
    page, size = max(0, int(page)), max(1, int(size))
    count = db.session.execute(select(func.count()).select_from(MedicalCase).where(cond)).scalar_one()
    rows = (
        db.session.execute(select(MedicalCase).where(cond).order_by(MedicalCase.id).offset(page * size).limit(size))
        .scalars()
        .all()
    )
    return count, list(rows)


def case_card(user: OmsUser, case_id: int | str) -> CaseCard | None:
    """The case ``case_id`` with its cost if the user may see it (its file loaded), else None."""
    case = get_scoped(user, MedicalCase, case_id)
    if case is None:
        return None
    loaded = db.session.execute(loaded_file_ids().where(UploadedFile.id == case.file_id)).first()
    if loaded is None:
        return None
    return CaseCard(case, breakdown.cost(breakdown.parse(case.calc_detail)))
