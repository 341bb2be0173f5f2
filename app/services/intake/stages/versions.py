"""Re-uploads: a case keeps its identity across re-exports from the МИС — the МО, the patient
(ЕНП, else policy series+number), USL_OK, DATE_Z_1, DATE_Z_2 and NHISTORY of the first SL.

When a loaded file brings a case whose identity is known from an earlier file of the МО:
- the earlier version is in a registry (any status) → the new one is neither stored nor
  duplicated: «пропущен: уже в реестре <номер>»;
- else the new version replaces the earlier one: «обновлен», or «без изменений» when nothing but
  the numbering (N_ZAP, IDCASE, SL_ID, IDSERV, PR_NOV) differs;
- a new identity is «новый».
Excluded cases («Исключен») are final and never replaced.  All set-based.
"""
from __future__ import annotations

import re
from typing import Optional

from sqlalchemy import and_, delete, select
from sqlalchemy.orm import aliased

from app.core.bulk import insert_rows
from app.extensions import db
from app.models.intake import CasePayload, ControlError, MedicalCase
from app.models.registry import CaseVersion, Registry
from app.models.vocabulary import CaseStatus
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
    """The last stage: only a load that went through every stage replaces earlier versions (one
    transaction); a failure before leaves them as they were."""
    counts = resolve_versions(load.file_id, load.organisation_id, load.subdivision_id)
    load.update_file(new_count=counts[NEW], updated_count=counts[UPDATED], unchanged_count=counts[UNCHANGED],
                     skipped_count=counts["skipped"])


def resolve_versions(file_id: int, organisation_id: int, subdivision_id: Optional[int]) -> dict[str, int]:
    """Apply the rules above to the cases of a just-loaded file; returns the counts."""
    new, old = aliased(MedicalCase), aliased(MedicalCase)
    pairs = db.session.execute(
        select(new.id, old.id, old.registry_id, old.file_id)
        .join(old, and_(old.organisation_id == new.organisation_id, old.identity_key == new.identity_key,
                        old.file_id != new.file_id, old.status != CaseStatus.EXCLUDED))
        .where(new.file_id == file_id, new.identity_key.is_not(None))).all()
    blocked: dict[int, int] = {}        # new case -> earlier case in a registry
    replaced: dict[int, list[int]] = {}  # new case -> earlier versions it replaces
    for new_id, old_id, registry_id, _old_file in pairs:
        if registry_id is not None:
            blocked[new_id] = old_id
        else:
            replaced.setdefault(new_id, []).append(old_id)
    for new_id in blocked:
        replaced.pop(new_id, None)

    numbers = {}
    if blocked:
        numbers = dict(db.session.execute(
            select(MedicalCase.id, Registry.number).join(Registry, Registry.id == MedicalCase.registry_id)
            .where(MedicalCase.id.in_(list(blocked.values())))).all())
    unchanged = set()
    if replaced:
        ids = list(replaced) + [o for olds in replaced.values() for o in olds]
        payload = dict(db.session.execute(select(CasePayload.case_id, CasePayload.zap_xml)
                                          .where(CasePayload.case_id.in_(ids))).all())
        for new_id, olds in replaced.items():
            mine = _normalised(payload.get(new_id))
            if any(_normalised(payload.get(o)) == mine for o in olds):
                unchanged.add(new_id)

    # what each case of the file became
    rows = db.session.execute(select(MedicalCase.id, MedicalCase.n_zap, MedicalCase.idcase)
                              .where(MedicalCase.file_id == file_id)).all()
    versions = []
    for case_id, n_zap, idcase in rows:
        if case_id in blocked:
            number = numbers.get(blocked[case_id], "")
            versions.append(dict(case_id=None, earlier_case_id=blocked[case_id],
                                 outcome=f"{SKIPPED_PREFIX} {number}".strip(), registry_number=number,
                                 n_zap=n_zap, idcase=idcase))
        elif case_id in replaced:
            versions.append(dict(case_id=case_id, earlier_case_id=replaced[case_id][0],
                                 outcome=UNCHANGED if case_id in unchanged else UPDATED,
                                 registry_number=None, n_zap=n_zap, idcase=idcase))
        else:
            versions.append(dict(case_id=case_id, earlier_case_id=None, outcome=NEW,
                                 registry_number=None, n_zap=n_zap, idcase=idcase))
    for v in versions:
        v.update(file_id=file_id, organisation_id=organisation_id, subdivision_id=subdivision_id)
    db.session.execute(delete(CaseVersion).where(CaseVersion.file_id == file_id))
    insert_rows(CaseVersion.__table__, versions)          # COPY on PostgreSQL: one row per case

    # the skipped new versions are not stored; the replaced earlier versions go
    _delete_cases(list(blocked))
    earlier = [o for olds in replaced.values() for o in olds]
    touched_files = set()
    if earlier:
        touched_files = {f for (f,) in db.session.execute(
            select(MedicalCase.file_id).where(MedicalCase.id.in_(earlier)).distinct())}
        _delete_cases(earlier)
    db.session.commit()
    if touched_files:
        for f in touched_files:
            recount(f)
        db.session.commit()
    counts = {NEW: 0, UPDATED: 0, UNCHANGED: 0, "skipped": len(blocked)}
    for v in versions:
        if v["outcome"] in counts:
            counts[v["outcome"]] += 1
    return counts


def _delete_cases(ids: list[int]) -> None:
    for i in range(0, len(ids), 5000):
        part = ids[i:i + 5000]
        db.session.execute(delete(ControlError).where(ControlError.case_id.in_(part)))
        db.session.execute(delete(CasePayload).where(CasePayload.case_id.in_(part)))
        db.session.execute(delete(MedicalCase).where(MedicalCase.id.in_(part)))
