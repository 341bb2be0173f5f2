"""the month at a glance (issue 18): the channel of a file and the dry-run check, the rule catalogue
and НСИ versions in force at its ФЛК/МЭК, the mail inbox's archives by content hash

Revision ID: f1a2b3c4d5e8
Revises: e1f2a3b4c5d7
Create Date: 2026-12-04 16:20:00

"""

import sqlalchemy as sa
from alembic import op

revision = "f1a2b3c4d5e8"
down_revision = "e1f2a3b4c5d7"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("uploaded_file", schema=None) as batch_op:
        batch_op.add_column(sa.Column("channel", sa.String(length=10), nullable=False, server_default="web"))
        batch_op.add_column(sa.Column("dry_run", sa.Boolean(), nullable=False, server_default=sa.text("false")))
        batch_op.add_column(sa.Column("rules_version", sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column("nsi_versions", sa.Text(), nullable=True))
    op.create_table(
        "inbox_archive",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("archive_name", sa.String(length=255), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("file_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisation.id"]),
        sa.ForeignKeyConstraint(["file_id"], ["uploaded_file.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("sha256", name="uq_inbox_archive_sha256"),
    )


def downgrade():
    op.drop_table("inbox_archive")
    with op.batch_alter_table("uploaded_file", schema=None) as batch_op:
        batch_op.drop_column("nsi_versions")
        batch_op.drop_column("rules_version")
        batch_op.drop_column("dry_run")
        batch_op.drop_column("channel")
