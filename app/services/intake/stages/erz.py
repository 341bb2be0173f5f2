"""Stage «Идентификация в ЕРЗ» of a file load: every case that passed ФЛК is identified in the
register of the insured, set-based — one adapter call per batch of cases (the local adapter
makes one query per identification step), one bulk update of the batch.

Per case it stores: how the patient was found (``erz_found_by``: ЕНП → policy series + number →
SNILS → surname + name + patronymic + birth date), the ЕРЗ person, the policy check on
DATE_Z_1..DATE_Z_2 (``policy_check``), the СМО of that policy (``erz_smo``), whether the patient is
insured in another region (``nonresident``), the date of death, the key of the patient for the
duplicate checks and the payer (``payer_id``): the СМО, or the ТФОМС for non-residents
(«Иногородние» registries).  The МЭК judges the findings (not found, policy, death).
"""

from __future__ import annotations

import logging
from typing import Callable, Optional

from flask import current_app
from sqlalchemy import Row, select

from app.core.bulk_update import update_rows
from app.erz import ErzQuery, get_adapter, resolve
from app.extensions import db
from app.models.intake import MedicalCase, Patient
from app.models.organisation import Organisation
from app.models.vocabulary import OrgKind
from app.services.intake.accepted import Range, accepted_batches
from app.services.intake.context import LoadContext

log = logging.getLogger(__name__)
BATCH = 5000


def payers() -> tuple[dict[str, int], Optional[int]]:
    """СМО ids by code, and the id of the fund (the payer for non-residents)."""
    smo = dict(
        db.session.execute(select(Organisation.code, Organisation.id).where(Organisation.kind == OrgKind.SMO)).all()
    )
    region = current_app.config.get("REGION_CODE")
    fund = db.session.execute(
        select(Organisation.id)
        .where(Organisation.kind == OrgKind.TFOMS)
        .order_by(Organisation.code != region, Organisation.id)
        .limit(1)
    ).scalar()
    return smo, fund


def _query(row: Row) -> ErzQuery:
    enp = row.enp or (row.npolis if row.vpolis == 3 else None)
    return ErzQuery(
        key=row.id,
        enp=enp,
        vpolis=row.vpolis,
        spolis=row.spolis,
        npolis=row.npolis,
        snils=row.snils,
        fam=row.fam,
        im=row.im,
        ot=row.ot,
        dr=row.dr,
        date_1=row.date_z_1,
        date_2=row.date_z_2,
    )


_ERZ_COLUMNS = (
    "erz_person_id",
    "erz_found_by",
    "erz_smo",
    "policy_check",
    "erz_death_date",
    "nonresident",
    "payer_id",
    "person_key",
)


def identify_cases(
    file_id: int,
    progress: Optional[Callable[[float], None]] = None,
    within: Optional[Range] = None,
    commit: Callable[[], None] = db.session.commit,
) -> dict[str, int]:
    """Identify the accepted cases of one file (of the id range ``within``: a part of a load cut
    into chunks, whose ``commit`` holds the file again); returns counts by how they were found.
    ``progress(share done)`` is called before every batch but the first."""
    cfg = current_app.config
    adapter = get_adapter(cfg)
    region = cfg.get("REGION_OKATO", "98")
    smo_ids, fund_id = payers()
    counts: dict[str, int] = {}
    mc = MedicalCase
    query = select(
        mc.id,
        mc.file_id,
        mc.status,
        mc.enp,
        mc.vpolis,
        mc.spolis,
        mc.npolis,
        mc.st_okato,
        mc.smo,
        mc.date_z_1,
        mc.date_z_2,
        Patient.snils,
        Patient.fam,
        Patient.im,
        Patient.ot,
        Patient.dr,
    ).outerjoin(Patient, Patient.id == mc.patient_id)
    for rows in accepted_batches(file_id, BATCH, query, progress, within):
        queries = [_query(r) for r in rows]
        matches = adapter.identify(queries)
        values = []
        for row, q in zip(rows, queries, strict=True):
            res = resolve(q, matches.get(q.key), region, st_okato=row.st_okato)
            smo = res.smo_code or (row.smo if res.found_by is None else None)
            payer = fund_id if res.nonresident else smo_ids.get(smo) if smo else None
            key = res.found_by or "-"
            counts[key] = counts.get(key, 0) + 1
            values.append(
                {
                    "id": row.id,
                    "erz_person_id": res.person_id,
                    "erz_found_by": res.found_by,
                    "erz_smo": res.smo_code,
                    "policy_check": res.policy_check,
                    "erz_death_date": res.death_date,
                    "nonresident": res.nonresident,
                    "payer_id": payer,
                    "person_key": res.person_key,
                }
            )
        update_rows(MedicalCase, values, _ERZ_COLUMNS)
        commit()
    return counts


def run(load: LoadContext) -> None:
    counts = identify_cases(load.file_id, progress=load.progress)
    log.info("file %s identified in the ЕРЗ: %s", load.file_id, counts)
