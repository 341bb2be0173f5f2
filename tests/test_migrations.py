"""The migrations build exactly the schema the models describe."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app.extensions import db
from app.models.base import Model


def test_models_and_migrations_agree(app_ctx):
    with db.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Model.metadata)
    assert diffs == [], diffs
    assert len(Model.metadata.tables) > 20
