"""Application factory: ``create_app()`` binds the extensions, security, views and jobs."""

from __future__ import annotations

import logging
from typing import Any, Optional

from flask import Flask

from app.extensions import appbuilder, csrf, db, migrate

log = logging.getLogger(__name__)


def create_app(config_object: str = "config.Config", overrides: Optional[dict[str, Any]] = None) -> Flask:
    import config as _config  # noqa: F401  (the module must be importable from the project root)

    app = Flask(__name__)
    app.config.from_object(config_object)
    if overrides:
        app.config.update(overrides)
    from app.security.secret_key import configure_secret_key

    configure_secret_key(app)
    from app.formats.definitions import check_regional_elements

    check_regional_elements(app.config)  # a bad FORMAT_REGIONAL_ELEMENTS file stops the start, naming the entry
    app.config["DATA_DIR"].mkdir(parents=True, exist_ok=True)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        from pathlib import Path

        Path(app.config["SQLALCHEMY_DATABASE_URI"][len("sqlite:///") :]).parent.mkdir(parents=True, exist_ok=True)

    from app.models import tables  # noqa: F401  (register every table on the metadata)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(app.config.get("MIGRATIONS_DIR", _migrations_dir())))
    csrf.init_app(app)

    with app.app_context():
        _configure_sqlite(app)
        appbuilder.init_app(app, db.session)
        from app.views import register_views

        register_views(appbuilder)
        from app.security.audit import connect_audit_signals

        connect_audit_signals(app)
    from app.errors import register_error_handlers

    register_error_handlers(app)  # after Flask-AppBuilder's hooks: the guard of hand-made requests, error pages

    from app.cli import oms_cli

    app.cli.add_command(oms_cli)
    from app.jobs import recovery, runtime

    runtime.init_app(app)
    app.before_request(recovery.after_start(app))  # dead jobs are ended; see app.jobs.recovery
    from app.views.health import health

    app.register_blueprint(health)
    csrf.exempt(health)
    from app.core.formatting import register_template_filters

    register_template_filters(app)
    from app.views.formatting import display

    app.jinja_env.filters["display"] = display
    from app.services.reference.code_names import code_label

    # {{ code|code_label("V006") }}: the filter's value is the code
    app.jinja_env.filters["code_label"] = lambda code, book, on=None: code_label(book, code, on)
    return app


def _migrations_dir():
    from pathlib import Path

    return Path(__file__).resolve().parent.parent / "migrations"


def _configure_sqlite(app: Flask) -> None:
    """WAL and foreign keys for the embedded SQLite database."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return
    from sqlalchemy import event

    engine = db.engine

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # pragma: no cover - trivial
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()
