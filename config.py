"""Settings, all from the environment (see README «Переменные окружения»).

Two runtime modes, the same code:
- embedded (default): no DATABASE_URL -> a SQLite file in ``instance/``; no REDIS_URL -> fakeredis
  with one in-process worker thread;
- production: DATABASE_URL=postgresql://..., REDIS_URL=redis://..., ``rq worker`` processes.
"""

from __future__ import annotations

import os
from pathlib import Path

from flask_appbuilder.const import AUTH_DB

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("OMS_INSTANCE_DIR", BASE_DIR / "instance"))


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        # Heroku-style URLs name the dialect "postgres"
        return url.replace("postgres://", "postgresql://", 1)
    return f"sqlite:///{INSTANCE_DIR / 'oms.db'}"


#: production mode: a database or a Redis of its own (the embedded default has neither)
PRODUCTION = bool(os.environ.get("DATABASE_URL") or os.environ.get("REDIS_URL"))


class Config:
    # -- runtime --------------------------------------------------------------------------
    PRODUCTION = PRODUCTION
    # the key that signs sessions and CSRF tokens: production refuses to start without one of at
    # least 32 random bytes; the embedded mode makes one once and keeps it in the instance folder
    # (app.security.secret_key)
    SECRET_KEY = os.environ.get("SECRET_KEY") or None
    SECRET_KEY_FILE = INSTANCE_DIR / "secret_key"
    SQLALCHEMY_DATABASE_URI = _database_url()
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    REDIS_URL = os.environ.get("REDIS_URL") or None
    # "rq" (REDIS_URL set, jobs in `rq worker` processes), "embedded" (fakeredis + a worker
    # thread) or "sync" (jobs run at once in the caller: command line and tests)
    JOBS_MODE = os.environ.get("JOBS_MODE") or ("rq" if REDIS_URL else "embedded")
    DATA_DIR = Path(os.environ.get("OMS_DATA_DIR", INSTANCE_DIR / "data"))
    # a running job writes a heartbeat every 10 s; silent this long, it is ended (app.jobs.recovery)
    JOB_DEAD_AFTER_SECONDS = int(os.environ.get("JOB_DEAD_AFTER_SECONDS", "60"))
    JOB_SWEEP_SECONDS = int(os.environ.get("JOB_SWEEP_SECONDS", "30"))  # the web's sweep, at most this often
    # an idle `rq worker` (app.jobs.worker.OmsWorker) sweeps this often, and between jobs
    JOB_WORKER_SWEEP_SECONDS = int(os.environ.get("JOB_WORKER_SWEEP_SECONDS", "60"))
    # scale-out (app/services/intake/scale_out.py): a file of more records than this is cut into
    # chunks of this many that any number of `rq worker` processes check at once; 0 — every file in
    # one job (the embedded default: it has one worker thread)
    LOAD_CHUNK_RECORDS = int(os.environ.get("LOAD_CHUNK_RECORDS", "5000" if JOBS_MODE == "rq" else "0"))
    # an archive whose cases file is at most this big (uncompressed) loads from the queue of small
    # files, which every worker looks at first: it never waits behind the chunks of big files
    LOAD_SMALL_FILE_BYTES = int(os.environ.get("LOAD_SMALL_FILE_BYTES", str(4 * 1024 * 1024)))

    # -- the region ---------------------------------------------------------------------------
    REGION_CODE = os.environ.get("REGION_CODE", "14")
    REGION_OKATO = os.environ.get("REGION_OKATO", "98")
    # ЕРЗ and МЭК (README «ЕРЗ, МЭК и тарифы»)
    ERZ_ADAPTER = os.environ.get("ERZ_ADAPTER", "app.erz.local:LocalErzAdapter")
    DEMO_ERZ_PERSONS = int(os.environ.get("DEMO_ERZ_PERSONS", "30000"))
    MEK_SUM_TOLERANCE = os.environ.get("MEK_SUM_TOLERANCE", "1.00")
    MEK_PERIOD_MONTHS_BACK = int(os.environ.get("MEK_PERIOD_MONTHS_BACK", "3"))
    # the КСГ method (app.tariffs.ksg_method): shares of interrupted cases (МР 2026), КПГ paid by КПГ
    KSG_SHARE_SURGERY_SHORT = os.environ.get("KSG_SHARE_SURGERY_SHORT", "0.8")  # Прил. 4, ≤ 3 days
    KSG_SHARE_SURGERY_LONG = os.environ.get("KSG_SHARE_SURGERY_LONG", "0.9")  # Прил. 4, > 3 days
    KSG_SHARE_SHORT = os.environ.get("KSG_SHARE_SHORT", "0.3")  # without intervention, ≤ 3 days
    KSG_SHARE_LONG = os.environ.get("KSG_SHARE_LONG", "0.5")  # without intervention, > 3 days
    KSG_SHORT_DAYS = int(os.environ.get("KSG_SHORT_DAYS", "3"))
    KSG_PAY_BY_KPG = os.environ.get("KSG_PAY_BY_KPG", "")  # КПГ codes (st27,ds13) or * paid by the КЗ of the КПГ
    KSG_LONG_STAY_DAYS = int(os.environ.get("KSG_LONG_STAY_DAYS", "30"))  # 003K.00.0980
    KSG_LONG_STAY_DAYS_45 = int(os.environ.get("KSG_LONG_STAY_DAYS_45", "45"))
    KSG_LONG_STAY_K = os.environ.get("KSG_LONG_STAY_K", "0.25")
    KSG_LONG_STAY_K_REANIMATION = os.environ.get("KSG_LONG_STAY_K_REANIMATION", "0.4")
    DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD", "Demo-Oms-2026")
    # the federal НСИ service (`oms fetch-nsi`, «Обновить из ФФОМС»): its address or a mirror's
    NSI_SERVICE_URL = os.environ.get("NSI_SERVICE_URL", "https://nsi.ffoms.ru")
    NSI_FETCH_TIMEOUT = float(os.environ.get("NSI_FETCH_TIMEOUT", "60"))  # seconds the service may stay silent
    # electronic signatures (README «Электронная подпись»)
    SIGNING_PROVIDER = os.environ.get("SIGNING_PROVIDER", "pyhanko")  # pyhanko | command
    SIGNING_SIGN_COMMAND = os.environ.get("SIGNING_SIGN_COMMAND", "")
    SIGNING_VERIFY_COMMAND = os.environ.get("SIGNING_VERIFY_COMMAND", "")
    SIGNING_INTACT_COMMAND = os.environ.get("SIGNING_INTACT_COMMAND", "")  # integrity only, chain aside
    SIGNING_COMMAND_TIMEOUT = int(os.environ.get("SIGNING_COMMAND_TIMEOUT", "120"))
    SIGNING_PAPER_ALLOWED = _bool("SIGNING_PAPER_ALLOWED", not PRODUCTION)  # off unless the region allows it
    SIGNING_SAME_PERSON_ROLES = _bool("SIGNING_SAME_PERSON_ROLES", False)
    DEMO_PKI_DIR = Path(os.environ.get("OMS_DEMO_PKI_DIR", INSTANCE_DIR / "demo-pki"))

    # -- Flask-AppBuilder ------------------------------------------------------------------------
    APP_NAME = "ОМС: персонифицированный учет"
    APP_THEME = ""
    AUTH_TYPE = AUTH_DB
    AUTH_ROLE_ADMIN = "Администратор ТФОМС"
    AUTH_ROLE_PUBLIC = "Public"
    AUTH_USER_REGISTRATION = False
    AUTH_RATE_LIMITED = _bool("AUTH_RATE_LIMITED", True)
    AUTH_RATE_LIMIT = os.environ.get("AUTH_RATE_LIMIT", "10 per 20 second")
    RATELIMIT_STORAGE_URI = REDIS_URL or "memory://"
    RATELIMIT_STORAGE_OPTIONS = {"socket_connect_timeout": 1, "socket_timeout": 1}
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True  # Redis down: count in memory, log a warning, let logins go on
    RATELIMIT_ENABLED = _bool("RATELIMIT_ENABLED", True)
    FAB_PASSWORD_COMPLEXITY_ENABLED = True
    FAB_CREATE_DB = False  # the schema comes from the Alembic migrations only
    FAB_UPDATE_PERMS = False  # permissions are created by `oms sync-roles`, not at every start
    FAB_API_KEY_ENABLED = True
    FAB_API_SWAGGER_UI = True
    FAB_SECURITY_MANAGER_CLASS = "app.security.manager.OmsSecurityManager"
    FAB_ADD_SECURITY_PERMISSION_VIEW = False
    FAB_ADD_SECURITY_VIEW_MENU_VIEW = False
    FAB_ADD_SECURITY_PERMISSION_VIEWS_VIEW = False
    FAB_INDEX_VIEW = "app.views.index.OmsIndexView"
    MAX_FAILED_LOGINS = int(os.environ.get("MAX_FAILED_LOGINS", "5"))
    LOGIN_LOCK_MINUTES = int(os.environ.get("LOGIN_LOCK_MINUTES", "15"))  # the first lock; then doubled
    LOGIN_LOCK_MAX_MINUTES = int(os.environ.get("LOGIN_LOCK_MAX_MINUTES", str(24 * 60)))
    PERMANENT_SESSION_LIFETIME = 8 * 3600
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)  # set it when served over HTTPS
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE

    # -- forms, uploads -------------------------------------------------------------------------------
    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = None
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_UPLOAD_BYTES", str(1024**3)))  # one request
    ARCHIVE_MAX_UNPACKED_BYTES = int(os.environ.get("ARCHIVE_MAX_UNPACKED_BYTES", str(2 * 1024**3)))
    ARCHIVE_MAX_RATIO = int(os.environ.get("ARCHIVE_MAX_RATIO", "200"))
    FORMAT_6_0_ENABLED = _bool("FORMAT_6_0_ENABLED", False)  # accept files of format 6.0 (app/formats)
    FORMAT_REGIONAL_ELEMENTS = os.environ.get("FORMAT_REGIONAL_ELEMENTS") or None  # JSON of regional elements
    # the mail channel (README «Почтовый канал»): the folder where the protected mail puts the МО's
    # archives; each is loaded as its sender's upload (app.services.intake.inbox).  Unset: not watched
    INBOX_DIR = Path(os.environ["INBOX_DIR"]) if os.environ.get("INBOX_DIR") else None
    INBOX_POLL_SECONDS = float(os.environ.get("INBOX_POLL_SECONDS", "10"))  # how often the folder is looked at
    INBOX_SETTLE_SECONDS = float(os.environ.get("INBOX_SETTLE_SECONDS", "5"))  # unchanged this long: complete
    # «Проверить без загрузки»: a check's row, errors and kept protocol go this many days after it was
    # accepted — removed when a later check is accepted (app.services.intake.dry_run.purge_old_checks)
    CHECK_KEEP_DAYS = int(os.environ.get("CHECK_KEEP_DAYS", "7"))

    # -- language ----------------------------------------------------------------------------------------
    BABEL_DEFAULT_LOCALE = "ru"
    BABEL_DEFAULT_TIMEZONE = "Asia/Yakutsk"
    LANGUAGES = {"ru": {"flag": "ru", "name": "Русский"}}
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "translations")


class TestConfig(Config):
    TESTING = True
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL") or Config.SQLALCHEMY_DATABASE_URI
    JOBS_MODE = "sync"
    LOAD_CHUNK_RECORDS = 0  # a test that cuts a load into chunks says so
    # the login rate limit stays on: every test client has its own remote address
