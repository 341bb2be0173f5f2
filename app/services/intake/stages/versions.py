"""Re-uploads: a case keeps its identity across re-exports from the МИС — the МО, the patient
(ЕНП, else policy series+number), USL_OK, DATE_Z_1, DATE_Z_2 and NHISTORY of the first SL.

When a loaded file brings a case whose identity is known from an earlier file of the МО:
- the earlier version is in a registry (any status) → the new one is neither stored nor
  duplicated: «пропущен: уже в реестре <номер>»;
- else the new version replaces the earlier one: «обновлен», or «без изменений» when nothing but
  the numbering (N_ZAP, IDCASE, SL_ID, IDSERV, PR_NOV) differs;
- a new identity is «новый».
A file whose cases were replaced keeps its «Количество записей» (the records it had) and points to
the file that replaced them (``replaced_by_id``: «заменен файлом от …» on its row).
Excluded cases («Исключен») are final and never replaced.  All set-based.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from sqlalchemy import Table, and_, delete, select, update
from sqlalchemy.orm import aliased

from app.core.bulk import id_set, insert_rows
from app.extensions import db
from app.models.intake import CasePayload, ControlError, MedicalCase, UploadedFile
from app.models.registry import CaseVersion, Registry
from app.models.vocabulary import CaseStatus, FileStatus
from app.services.intake.context import LoadContext
from app.services.intake.file_data import recount

NEW = "новый"
UPDATED = "обновлен"
UNCHANGED = "без изменений"
SKIPPED_PREFIX = "пропущен: уже в реестре"

_NUMBERING = re.compile(r"<(N_ZAP|PR_NOV|IDCASE|SL_ID|IDSERV)>[^<]*</\1>")


def _normalised(xml: str) -> str:
    return _NUMBERING.sub("", xml or "")


def run(load: LoadContext) -> None:
    """The last stage, the switch: the earlier versions are replaced and the file's counts set in
    the transaction that the pipeline commits with «Процесс загрузки завершен» — a load that dies
    before leaves the earlier versions as they were, and one that dies here leaves nothing half done.

    A dry run («Проверить без загрузки») only counts: no earlier file is touched and no version
    row written.  It drops its own cases a load would skip (their earlier version is in a
    registry), with their errors, as the load does — so that its counts and protocol are the
    load's."""
    if load.dry_run:
        found = classify_versions(load.file_id, load.organisation_id, load.subdivision_id)
        _delete_cases(id_set("skipped", found.blocked))
        counts = found.counts
    else:
        counts = resolve_versions(load.file_id, load.organisation_id, load.subdivision_id)
    db.session.execute(
        update(UploadedFile)
        .where(UploadedFile.id == load.file_id)
        .values(
            new_count=counts[NEW],
            updated_count=counts[UPDATED],
            unchanged_count=counts[UNCHANGED],
            skipped_count=counts["skipped"],
        )
    )


@dataclass
class Versions:
    """What each case of a just-loaded file is against the earlier versions (nothing written yet)."""

    blocked: dict[int, tuple[int, str]]  # new case -> (earlier case in a registry, its number)
    replaced: dict[int, list[int]]  # new case -> earlier versions it replaces
    rows: list[dict]  # the ``case_version`` rows of the file, one per case
    counts: dict[str, int]  # new, updated, unchanged, skipped


def resolve_versions(file_id: int, organisation_id: int, subdivision_id: Optional[int]) -> dict[str, int]:
    """Apply the rules above to the cases of a just-loaded file; returns the counts.  Earlier
    versions are the cases of the МО's other files that ended «Процесс загрузки завершен».  Set-based
    (joins and temporary id sets; no query binds a list that grows with the file); the caller commits."""
    found = classify_versions(file_id, organisation_id, subdivision_id)
    apply_versions(file_id, found)
    return found.counts


def classify_versions(file_id: int, organisation_id: int, subdivision_id: Optional[int]) -> Versions:
    """What each case of the file is (the rules above), read only: the load applies it
    (:func:`apply_versions`), a dry run counts it."""
    new, old = aliased(MedicalCase), aliased(MedicalCase)
    earlier = and_(
        old.organisation_id == new.organisation_id,
        old.identity_key == new.identity_key,
        old.file_id != new.file_id,
        old.status != CaseStatus.EXCLUDED,
    )
    loaded = and_(UploadedFile.id == old.file_id, UploadedFile.status == FileStatus.DONE)
    pairs = db.session.execute(
        select(new.id, old.id, old.registry_id, Registry.number)
        .join(old, earlier)
        .join(UploadedFile, loaded)
        .outerjoin(Registry, Registry.id == old.registry_id)
        .where(new.file_id == file_id, new.identity_key.is_not(None))
    ).all()
    blocked: dict[int, tuple[int, str]] = {}  # new case -> (earlier case in a registry, its number)
    replaced: dict[int, list[int]] = {}  # new case -> earlier versions it replaces
    for new_id, old_id, registry_id, number in pairs:
        if registry_id is not None:
            blocked[new_id] = (old_id, number or "")
        else:
            replaced.setdefault(new_id, []).append(old_id)
    for new_id in blocked:
        replaced.pop(new_id, None)

    # «без изменений»: an earlier version equal to the new one but for the numbering
    unchanged = set()
    if replaced:
        new_payload, old_payload = aliased(CasePayload), aliased(CasePayload)
        rows = db.session.execute(
            select(new.id, new_payload.zap_xml, old_payload.zap_xml)
            .join(old, earlier)
            .join(UploadedFile, loaded)
            .join(new_payload, new_payload.case_id == new.id)
            .join(old_payload, old_payload.case_id == old.id)
            .where(new.file_id == file_id, new.identity_key.is_not(None), old.registry_id.is_(None))
            .execution_options(yield_per=2000)
        )
        for new_id, mine, theirs in rows:
            if new_id in replaced and new_id not in unchanged and _normalised(mine) == _normalised(theirs):
                unchanged.add(new_id)

    # what each case of the file became
    versions = []
    for case_id, n_zap, idcase in db.session.execute(
        select(MedicalCase.id, MedicalCase.n_zap, MedicalCase.idcase).where(MedicalCase.file_id == file_id)
    ):
        if case_id in blocked:
            earlier_id, number = blocked[case_id]
            versions.append(
                dict(
                    case_id=None,
                    earlier_case_id=earlier_id,
                    outcome=f"{SKIPPED_PREFIX} {number}".strip(),
                    registry_number=number,
                    n_zap=n_zap,
                    idcase=idcase,
                )
            )
        elif case_id in replaced:
            versions.append(
                dict(
                    case_id=case_id,
                    earlier_case_id=replaced[case_id][0],
                    outcome=UNCHANGED if case_id in unchanged else UPDATED,
                    registry_number=None,
                    n_zap=n_zap,
                    idcase=idcase,
                )
            )
        else:
            versions.append(
                dict(
                    case_id=case_id, earlier_case_id=None, outcome=NEW, registry_number=None, n_zap=n_zap, idcase=idcase
                )
            )
    for v in versions:
        v.update(file_id=file_id, organisation_id=organisation_id, subdivision_id=subdivision_id)
    counts = {NEW: 0, UPDATED: 0, UNCHANGED: 0, "skipped": len(blocked)}
    for v in versions:
        if v["outcome"] in counts:
            counts[v["outcome"]] += 1
    return Versions(blocked, replaced, versions, counts)


def apply_versions(file_id: int, found: Versions) -> None:
    """Write what :func:`classify_versions` found: the file's version rows; the skipped new
    versions are not stored; the replaced earlier versions go and their files are recounted and
    point to this one.  The caller commits."""
    db.session.execute(delete(CaseVersion).where(CaseVersion.file_id == file_id))
    insert_rows(CaseVersion.__table__, found.rows)  # COPY on PostgreSQL: one row per case

    # the skipped new versions are not stored; the replaced earlier versions go
    _delete_cases(id_set("skipped", found.blocked))
    gone = id_set("replaced", (o for olds in found.replaced.values() for o in olds))
    touched = (
        db.session.execute(select(MedicalCase.file_id).where(MedicalCase.id.in_(select(gone.c.id))).distinct())
        .scalars()
        .all()
    )
    _delete_cases(gone)
    for other in touched:
        recount(other)
    if touched:  # their row says «заменен файлом от …», this one
        db.session.execute(update(UploadedFile).where(UploadedFile.id.in_(touched)).values(replaced_by_id=file_id))


def _delete_cases(ids: Table) -> None:
    """Delete the cases of a temporary id set with their errors and payloads."""
    chosen = select(ids.c.id)
    db.session.execute(delete(ControlError).where(ControlError.case_id.in_(chosen)))
    db.session.execute(delete(CasePayload).where(CasePayload.case_id.in_(chosen)))
    db.session.execute(delete(MedicalCase).where(MedicalCase.id.in_(chosen)))
