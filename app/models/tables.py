"""Every model module, imported so that the metadata knows all tables (see ``app.models``)."""

from app.models.analytics import RefusalCase, RefusalStat, RefusalTotal  # noqa: F401
from app.models.audit import AuditEvent  # noqa: F401
from app.models.erz import ErzPerson, ErzPolicy  # noqa: F401
from app.models.inbox import InboxArchive  # noqa: F401
from app.models.intake import CasePayload, ControlError, MedicalCase, Patient, UploadedFile  # noqa: F401
from app.models.job import BackgroundJob  # noqa: F401
from app.models.ksg import KsgGroup, KsgGrouperRow  # noqa: F401
from app.models.organisation import Organisation, Subdivision  # noqa: F401
from app.models.reference import ControlRule, FormatVersionPeriod, NsiBookVersion, NsiItem  # noqa: F401
from app.models.registers import MoAttachment, MoLicence  # noqa: F401
from app.models.registry import CaseVersion, Registry, RegistryStatusChange  # noqa: F401
from app.models.signing import Certificate, DocumentSignature, RegistrySigning, TrustRoot  # noqa: F401
from app.models.tariff import Tariff  # noqa: F401
from app.models.user import OmsUser, SignatureRight  # noqa: F401
