"""A loaded file (the pair of XML files of one archive), its patients, cases and control errors."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    select,
    text,
)
from sqlalchemy.orm import relationship

from app.models.base import Model, Money, utcnow
from app.models.vocabulary import FILE_LOADING, CaseStatus, ChunkStatus, FileChannel, FileStatus
from app.security.scope import ScopeRule

_HAS_DISP = text("disp IS NOT NULL")
_IS_STAY = text("usl_ok = 1")
_LOADING = text("status IN ({})".format(", ".join(f"'{s}'" for s in FILE_LOADING)))


class UploadedFile(Model):
    """One uploaded archive with its H-type and L files: a row of «Загрузка файла»."""

    __tablename__ = "uploaded_file"
    __not_found__ = "Файл не найден"
    __scope__ = ScopeRule(mo="organisation_id", subdivision="subdivision_id")
    __table_args__ = (
        Index("ix_uploaded_file_org_period", "organisation_id", "year", "month"),
        Index("ix_uploaded_file_org_status", "organisation_id", "status"),
        Index("ix_uploaded_file_org_uploaded", "organisation_id", "uploaded_at"),
        # one loading file of a name per МО at a time: a second upload of it is refused atomically
        Index(
            "uq_uploaded_file_loading_name",
            "organisation_id",
            "archive_name",
            unique=True,
            sqlite_where=_LOADING,
            postgresql_where=_LOADING,
        ),
    )

    id = Column(Integer, primary_key=True)
    organisation_id = Column(Integer, ForeignKey("organisation.id"), nullable=False)
    subdivision_id = Column(Integer, ForeignKey("subdivision.id"), index=True)
    uploaded_by_id = Column(Integer, ForeignKey("ab_user.id"))
    uploaded_at = Column(DateTime, nullable=False, default=utcnow)
    finished_at = Column(DateTime)
    archive_name = Column(String(255), nullable=False)
    archive_path = Column(String(500))
    archive_size = Column(BigInteger)
    archive_sha256 = Column(String(64))
    h_name = Column(String(40))  # the cases file (H, C, T, DP, …) without extension
    l_name = Column(String(40))
    file_type = Column(String(2))  # H, C, T, DP, DV, DO, DS, DU, DF, DA, DB
    version = Column(String(5))
    sender_code = Column(String(6))
    year = Column(Integer)
    month = Column(Integer)
    nschet = Column(String(15))
    dschet = Column(Date)
    sumv_declared = Column(Money())
    status = Column(String(60), nullable=False, default=FileStatus.QUEUED)
    note = Column(Text)
    progress = Column(Integer, nullable=False, default=0)
    records = Column(Integer, nullable=False, default=0)  # «Количество записей»: the ZAP records read from the file
    flk_rejected = Column(Integer, nullable=False, default=0)
    flk_errors = Column(Integer, nullable=False, default=0)
    mek_rejected = Column(Integer, nullable=False, default=0)
    mek_errors = Column(Integer, nullable=False, default=0)
    job_id = Column(Integer)
    # re-upload outcomes of the file's cases («новый», «обновлен», «без изменений», «пропущен»)
    new_count = Column(Integer, nullable=False, default=0, server_default="0")
    updated_count = Column(Integer, nullable=False, default=0, server_default="0")
    unchanged_count = Column(Integer, nullable=False, default=0, server_default="0")
    skipped_count = Column(Integer, nullable=False, default=0, server_default="0")
    # the later file of the МО that replaced cases of this one (the last such): «заменен файлом от …»
    replaced_by_id = Column(Integer)
    # how the archive came (FileChannel: web, api, cli, mail — «канал: почта» for the inbox folder)
    channel = Column(String(10), nullable=False, default=FileChannel.WEB, server_default=FileChannel.WEB.value)
    # «Проверить без загрузки»: the same pipeline, whose cases are removed once the protocol is kept
    dry_run = Column(Boolean, nullable=False, default=False, server_default=text("false"))
    # what was in force at the file's ФЛК/МЭК: the rule catalogue (its last change and size) and the
    # НСИ books (JSON {book: version}) — app/services/reference/in_force.py
    rules_version = Column(String(80))
    nsi_versions = Column(Text)
    # a load cut into chunks (app/services/intake/scale_out.py): the parts of its current stage not yet
    # done (the cutting itself counts as one while it runs); None for a load in one job
    chunks_left = Column(Integer)

    organisation = relationship("Organisation")
    subdivision = relationship("Subdivision")
    uploaded_by = relationship("OmsUser")

    @property
    def flk_counts(self) -> tuple[int, int]:
        return (self.flk_rejected, self.flk_errors)

    @property
    def mek_counts(self) -> tuple[int, int]:
        return (self.mek_rejected, self.mek_errors)

    @property
    def version_counts(self) -> tuple[int, int, int, int]:
        """Re-upload outcomes of the file's cases: new, updated, unchanged, skipped (already in a registry)."""
        return (self.new_count, self.updated_count, self.unchanged_count, self.skipped_count)

    @property
    def files(self) -> str:
        return ", ".join(n for n in (self.h_name, self.l_name) if n)

    @property
    def is_loading(self) -> bool:
        return self.status in FILE_LOADING

    @property
    def period(self) -> str:
        return f"{self.year}-{self.month:02d}" if self.year and self.month else ""

    def __repr__(self) -> str:
        return self.archive_name or f"файл {self.id}"


class LoadChunk(Model):
    """One part of a load cut into chunks (app/services/intake/scale_out.py): records of the file
    for the «ФЛК», a range of its accepted cases for «Идентификация в ЕРЗ», «МЭК» and «Перерасчет
    стоимости».  Any ``rq worker`` takes it; its findings wait here (``findings``) until the stage
    ends, then go to ``control_error`` in the order of the parts — the order of a load in one job."""

    __tablename__ = "load_chunk"
    __table_args__ = (Index("ix_load_chunk_status", "status", "organisation_id"),)

    id = Column(Integer, primary_key=True)
    file_id = Column(Integer, ForeignKey("uploaded_file.id", ondelete="CASCADE"), nullable=False, index=True)
    organisation_id = Column(Integer, nullable=False)
    stage = Column(String(8), nullable=False)  # LoadStage: flk, erz, mek, recalc
    number = Column(Integer, nullable=False)  # 1, 2, … within the stage
    first = Column(BigInteger)  # ФЛК: the first record (1-based); later stages: the first case id
    last = Column(BigInteger)
    size = Column(Integer, nullable=False, default=0)  # records or cases
    done = Column(Integer, nullable=False, default=0)  # of them, checked so far (the file's progress)
    status = Column(String(8), nullable=False, default=ChunkStatus.QUEUED)
    job_id = Column(Integer)  # the background job that took it (its death ends the file)
    started_at = Column(DateTime)
    findings = Column(LargeBinary)  # the staged control_error rows (zlib of pickle)


class Patient(Model):
    """A person of the L file (PERS), one row per ID_PAC of a loaded file."""

    __tablename__ = "patient"
    __scope__ = ScopeRule(mo="organisation_id", subdivision="subdivision_id")
    __table_args__ = (
        UniqueConstraint("file_id", "id_pac", name="uq_patient_file_id_pac"),
        Index("ix_patient_org_fam", "organisation_id", "fam"),  # «Случаи»: search by surname
    )

    id = Column(Integer, primary_key=True)
    file_id = Column(Integer, ForeignKey("uploaded_file.id", ondelete="CASCADE"), nullable=False)
    organisation_id = Column(Integer, nullable=False, index=True)
    subdivision_id = Column(Integer)
    id_pac = Column(String(36), nullable=False)
    fam = Column(String(40))
    im = Column(String(40))
    ot = Column(String(40))
    w = Column(Integer)
    dr = Column(Date)
    snils = Column(String(14))
    doctype = Column(String(2))
    docser = Column(String(10))
    docnum = Column(String(20))
    pers_xml = Column(Text)  # the PERS element as loaded (for re-checks and registry files)


class MedicalCase(Model):
    """A finished case (ZAP/Z_SL) of a loaded file."""

    __tablename__ = "medical_case"
    __not_found__ = "Случай не найден"
    __scope__ = ScopeRule(mo="organisation_id", subdivision="subdivision_id")
    __table_args__ = (
        Index("ix_medical_case_file_status", "file_id", "status"),
        Index("ix_medical_case_org_status_period", "organisation_id", "status", "year", "month"),
        Index("ix_medical_case_file_nzap", "file_id", "n_zap"),
        Index("ix_medical_case_identity", "organisation_id", "identity_key"),
        # «Случаи»: search by policy, ЕНП and case history number across periods
        Index("ix_medical_case_org_npolis", "organisation_id", "npolis"),
        Index("ix_medical_case_org_enp", "organisation_id", "enp"),
        Index("ix_medical_case_org_nhistory", "organisation_id", "nhistory"),
        # a case is «В реестре» exactly when it has its (one) registry
        CheckConstraint(
            f"(registry_id IS NULL) = (status <> '{CaseStatus.IN_REGISTRY}')", name="ck_medical_case_registry_status"
        ),
        Index("ix_medical_case_duplicate", "organisation_id", "person_key", "date_z_1"),
        # the stages of a patient's examinations across МО (МЭК 003K.00.0070/0080/0100): D-files only
        Index("ix_medical_case_person_disp", "person_key", "disp", sqlite_where=_HAS_DISP, postgresql_where=_HAS_DISP),
        # a patient's round-the-clock stays across МО (МЭК 003K.14.0070/0080: overlapping care)
        Index(
            "ix_medical_case_person_stay",
            "person_key",
            "date_z_1",
            sqlite_where=_IS_STAY,
            postgresql_where=_IS_STAY,
        ),
    )

    id = Column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    file_id = Column(Integer, ForeignKey("uploaded_file.id", ondelete="CASCADE"), nullable=False)
    organisation_id = Column(Integer, nullable=False)
    subdivision_id = Column(Integer, index=True)
    patient_id = Column(Integer, ForeignKey("patient.id", ondelete="SET NULL"), index=True)
    year = Column(Integer)
    month = Column(Integer)
    file_type = Column(String(2))
    disp = Column(String(3))  # SCHET/DISP of a D-file (ДВ4, ДВ2, ОПВ, ДС1 …); None for H, C, T
    n_zap = Column(String(8))
    idcase = Column(String(11))
    pr_nov = Column(Integer)
    id_pac = Column(String(36))
    vpolis = Column(Integer)
    spolis = Column(String(10))
    npolis = Column(String(20))
    enp = Column(String(16))
    st_okato = Column(String(5))
    smo = Column(String(5))
    novor = Column(String(9))
    usl_ok = Column(Integer)
    vidpom = Column(Integer)
    for_pom = Column(Integer)
    lpu = Column(String(6))
    lpu_1 = Column(String(8))
    date_z_1 = Column(Date)
    date_z_2 = Column(Date)
    rslt = Column(Integer)
    ishod = Column(Integer)
    idsp = Column(Integer)
    profil = Column(Integer)  # of the first SL
    prvs = Column(Integer)
    ds1 = Column(String(10))
    det = Column(Integer)
    nhistory = Column(String(50))
    sumv = Column(Money())  # declared by the МО
    sum_calc = Column(Money())  # recalculated by tariffs (МЭК issue)
    status = Column(String(20), nullable=False)
    flk_errors = Column(Integer, nullable=False, default=0)
    # «Идентификация в ЕРЗ» (app/services/intake/stages/erz.py)
    erz_person_id = Column(BigInteger().with_variant(Integer, "sqlite"))
    erz_found_by = Column(String(8))  # enp, policy, snils, name; None: not found
    erz_smo = Column(String(5))  # СМО of the policy valid on the dates of care
    policy_check = Column(String(8))  # valid, ended, future, none (no policy in the ЕРЗ)
    erz_death_date = Column(Date)  # date of death in the ЕРЗ
    nonresident = Column(Boolean)  # insured in another region («иногородний»)
    # the СМО, or the ТФОМС for non-residents
    payer_id = Column(Integer, ForeignKey("organisation.id", name="fk_medical_case_payer_id"))
    person_key = Column(String(80))  # the patient for duplicate checks (ЕРЗ person, else ЕНП…)
    # МЭК and «Перерасчет стоимости»
    mek_withheld = Column(Money())  # SANK_IT: the largest МЭК sanction of the case
    sump = Column(Money())  # SUMP: accepted for payment (SUMV − SANK_IT)
    calc_detail = Column(Text)  # JSON: what the recalculation used (tariffs, coefficients)

    # «Формирование»: the registry of the case; re-uploads: its identity (app/services/intake/rows.py)
    registry_id = Column(Integer, ForeignKey("registry.id", name="fk_medical_case_registry_id"), index=True)
    identity_key = Column(String(160))

    file = relationship("UploadedFile")
    patient = relationship("Patient")
    payer = relationship("Organisation")

    def __repr__(self) -> str:
        return f"случай {self.idcase} (N_ZAP {self.n_zap})"


class CasePayload(Model):
    """The ZAP element of a case as loaded, kept apart from the lean case row."""

    __tablename__ = "case_payload"
    case_id = Column(
        BigInteger().with_variant(Integer, "sqlite"),
        ForeignKey("medical_case.id", ondelete="CASCADE"),
        primary_key=True,
    )
    zap_xml = Column(Text, nullable=False)


class ControlError(Model):
    """One ФЛК or МЭК finding of a file, pointing to its place (FLK_P «PR»)."""

    __tablename__ = "control_error"
    __scope__ = ScopeRule(mo="organisation_id", subdivision="subdivision_id")
    __table_args__ = (
        Index("ix_control_error_file_stage_code", "file_id", "stage", "code"),
        Index("ix_control_error_case", "case_id"),
    )

    id = Column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    file_id = Column(Integer, ForeignKey("uploaded_file.id", ondelete="CASCADE"), nullable=False)
    organisation_id = Column(Integer, nullable=False)
    subdivision_id = Column(Integer)
    case_id = Column(BigInteger().with_variant(Integer, "sqlite"), ForeignKey("medical_case.id", ondelete="CASCADE"))
    stage = Column(String(4), nullable=False)  # ФЛК / МЭК
    code = Column(String(20), nullable=False)
    file_kind = Column(String(1))  # H (cases file) or L
    element = Column(String(40))
    base_element = Column(String(40))
    n_zap = Column(String(8))
    idcase = Column(String(11))
    sl_id = Column(String(36))
    idserv = Column(String(36))
    id_pac = Column(String(36))
    value = Column(String(250))
    comment = Column(String(250))
    line = Column(Integer)
    fatal = Column(Boolean, nullable=False, default=False)
    refusal_code = Column(String(10))  # МЭК: reason of refusal (F014), SANK/S_OSN
    sanction_sum = Column(Money())  # МЭК: the sum it withholds, SANK/S_SUM


def loaded_file_ids():
    """The files whose load ended («Процесс загрузки завершен»), as a subquery: only their cases are
    visible to formation, to the case list and to the checks against earlier cases — a file still
    loading, or whose load failed or died, shows none."""
    return select(UploadedFile.id).where(UploadedFile.status == FileStatus.DONE)
