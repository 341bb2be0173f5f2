"""A hand-made month for the home pages: two МО (the first with two subdivisions), two СМО, files in
every state — dry runs among them — cases of each status, registries of each status with a return
«На доработку» and the payer's refusals; the logins of each side.  Only ids, numbers, names and
logins leave the app context (the requests of the tests run outside it)."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from app.extensions import db
from app.models.intake import MedicalCase, UploadedFile
from app.models.registry import Registry, RegistryRefusal, RegistryStatusChange
from app.models.vocabulary import CaseStatus, FileStatus, RegistryStatus
from app.security.roles import ROLE_MO, ROLE_SMO
from tests.factories import make_org, make_subdivision, make_user, unique

#: each world has a period of its own (the ТФОМС sees every world of the database)
_YEARS = itertools.count(2033)
MONTH = 5


def _file(year, mo, sub, status, *, dry_run=False, period=True, progress=0, note=None) -> UploadedFile:
    row = UploadedFile(
        organisation_id=mo.id,
        subdivision_id=sub.id if sub else None,
        archive_name=f"HM{mo.code}T14_{unique()}.zip",
        status=status,
        year=year if period else None,
        month=MONTH if period else None,
        records=0,
        dry_run=dry_run,
        progress=progress,
        note=note,
    )
    db.session.add(row)
    db.session.commit()
    return row


def _cases(file: UploadedFile, status: str, n: int, sumv: str = "100.00", withheld: str | None = None) -> None:
    for _ in range(n):
        sump = None if withheld is None else Decimal(sumv) - Decimal(withheld)
        db.session.add(
            MedicalCase(
                file_id=file.id,
                organisation_id=file.organisation_id,
                subdivision_id=file.subdivision_id,
                n_zap=unique(),
                idcase=unique(),
                usl_ok=3,
                year=file.year,
                month=MONTH,
                file_type="H",
                status=status,
                sumv=Decimal(sumv),
                mek_withheld=None if withheld is None else Decimal(withheld),
                sump=sump,
            )
        )
    db.session.commit()


def _registry(year, mo, sub, payer, status, declared="500.00", payable="450.00", **kw) -> Registry:
    reg = Registry(
        number=f"{mo.code}-D-{unique()}",
        organisation_id=mo.id,
        subdivision_id=sub.id if sub else None,
        payer_id=payer.id,
        year=year,
        month=MONTH,
        reg_type="АПП",
        subtype="H",
        status=status,
        cases=5,
        sum_declared=Decimal(declared),
        sum_calc=Decimal(payable),
        **kw,
    )
    db.session.add(reg)
    db.session.commit()
    return reg


def _refusals(reg: Registry, *sums: tuple[int, str]) -> None:
    for oplata, sank in sums:
        db.session.add(
            RegistryRefusal(
                registry_id=reg.id,
                n_zap=unique(),
                idcase=unique(),
                oplata=oplata,
                sumv=Decimal("100.00"),
                sank_it=Decimal(sank),
                sump=Decimal("100.00") - Decimal(sank),
                codes="5.2.4",
            )
        )
    db.session.commit()


class World:
    def __init__(self, app):
        self.year = year = next(_YEARS)
        self.period = f"{year}-{MONTH:02d}"
        with app.app_context():
            self.mo_a, self.mo_b = make_org("mo"), make_org("mo")
            self.sub_a1, self.sub_a2 = make_subdivision(self.mo_a), make_subdivision(self.mo_a)
            self.smo_s, self.smo_t = make_org("smo"), make_org("smo")
            mo_a, mo_b, a1, a2, smo_s, smo_t = self.mo_a, self.mo_b, self.sub_a1, self.sub_a2, self.smo_s, self.smo_t

            # files of the МО «A»: loaded in both subdivisions, one loading, failed ones
            done_a1 = _file(year, mo_a, a1, FileStatus.DONE)
            _cases(done_a1, CaseStatus.ACCEPTED, 3)
            _cases(done_a1, CaseStatus.ACCEPTED, 1, withheld="30.00")  # withheld in part
            _cases(done_a1, CaseStatus.FLK_REJECTED, 2, sumv="50.00")
            _cases(done_a1, CaseStatus.MEK_REJECTED, 1, sumv="70.00", withheld="70.00")
            done_a2 = _file(year, mo_a, a2, FileStatus.DONE)
            _cases(done_a2, CaseStatus.ACCEPTED, 2, sumv="200.00")
            self.loading_a1 = _file(year, mo_a, a1, FileStatus.FLK, period=False, progress=40)
            self.failed_a1 = _file(year, mo_a, a1, FileStatus.ERR_VALIDATION, note="Сбой проверки: правило 001F")
            self.unread_a = _file(year, mo_a, None, FileStatus.ERR_UPLOAD, period=False, note="Архив поврежден")
            # dry runs («Проверить без загрузки»): never counted, whatever their state
            checked = _file(year, mo_a, a1, FileStatus.CHECKED, dry_run=True)
            _cases(checked, CaseStatus.ACCEPTED, 5)
            self.dry_loading = _file(year, mo_a, a1, FileStatus.MEK, dry_run=True, period=False, progress=70)
            self.dry_failed = _file(year, mo_a, a1, FileStatus.ERR_DB, dry_run=True, note="Проверка без загрузки упала")
            done_b = _file(year, mo_b, None, FileStatus.DONE)
            _cases(done_b, CaseStatus.ACCEPTED, 4)

            # registries of the period (two with the payer's МЭК results loaded)
            self.reg = {
                "a1_created": _registry(year, mo_a, a1, smo_s, RegistryStatus.CREATED),
                "a2_formed": _registry(year, mo_a, a2, smo_s, RegistryStatus.FORMED, "300.00", "300.00"),
                "a1_rework": _registry(
                    year, mo_a, a1, smo_t, RegistryStatus.REWORK, mek_loaded_at=dt.datetime(year, 6, 10)
                ),
                "a1_taken": _registry(
                    year, mo_a, a1, smo_s, RegistryStatus.TAKEN, mek_loaded_at=dt.datetime(year, 6, 11)
                ),
                "a1_signing": _registry(year, mo_a, a1, smo_s, RegistryStatus.MO_SIGNING),
                "a2_smo_signing": _registry(year, mo_a, a2, smo_s, RegistryStatus.SMO_SIGNING),
                "b_closed": _registry(year, mo_b, None, smo_t, RegistryStatus.CLOSED),
                "b_signing": _registry(year, mo_b, None, smo_t, RegistryStatus.MO_SIGNING),
            }
            rework = self.reg["a1_rework"]
            db.session.add(
                RegistryStatusChange(
                    registry_id=rework.id,
                    from_status=RegistryStatus.TAKEN,
                    to_status=RegistryStatus.REWORK,
                    username="smo_t",
                    comment="Исправьте случаи с отказом 5.2.4",
                )
            )
            db.session.commit()
            _refusals(rework, (2, "100.00"), (3, "25.00"))
            _refusals(self.reg["a1_taken"], (2, "100.00"))

            self.login = {
                "mo_a": make_user(mo_a, ROLE_MO).username,
                "mo_a_sub1": make_user(mo_a, ROLE_MO, subdivision=a1).username,
                "mo_a_executor": make_user(mo_a, ROLE_MO, rights=("executor",)).username,
                "mo_a_accountant": make_user(mo_a, ROLE_MO, rights=("chief_accountant",)).username,
                "mo_b": make_user(mo_b, ROLE_MO).username,
                "smo_s": make_user(smo_s, ROLE_SMO).username,
                "smo_s_signer": make_user(smo_s, ROLE_SMO, rights=("smo_signer",)).username,
                "smo_t": make_user(smo_t, ROLE_SMO).username,
            }
            self.ids = {
                "mo_a": mo_a.id,
                "mo_b": mo_b.id,
                "sub_a1": a1.id,
                "sub_a2": a2.id,
                "smo_s": smo_s.id,
                "smo_t": smo_t.id,
            }
            self.codes = {"mo_a": mo_a.code, "mo_b": mo_b.code, "smo_s": smo_s.code, "smo_t": smo_t.code}
            self.numbers = {k: r.number for k, r in self.reg.items()}
            self.registry_ids = {k: r.id for k, r in self.reg.items()}
            self.archives = {
                "done_a1": done_a1.archive_name,
                "done_a2": done_a2.archive_name,
                "done_b": done_b.archive_name,
                "loading_a1": self.loading_a1.archive_name,
                "failed_a1": self.failed_a1.archive_name,
                "unread_a": self.unread_a.archive_name,
                "dry_loading": self.dry_loading.archive_name,
                "dry_failed": self.dry_failed.archive_name,
            }
