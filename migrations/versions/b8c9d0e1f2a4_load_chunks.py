"""Scale-out (issue 19): a load cut into chunks that any rq worker takes (``load_chunk``) and the
count of the parts of its current stage not yet done (``uploaded_file.chunks_left``)

Revision ID: b8c9d0e1f2a4
Revises: a7b8c9d0e1f3
Create Date: 2026-12-04 21:20:00

"""

import sqlalchemy as sa
from alembic import op

revision = "b8c9d0e1f2a4"
down_revision = "a7b8c9d0e1f3"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("uploaded_file", sa.Column("chunks_left", sa.Integer(), nullable=True))
    op.create_table(
        "load_chunk",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=8), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("first", sa.BigInteger(), nullable=True),
        sa.Column("last", sa.BigInteger(), nullable=True),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=True),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("findings", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(["file_id"], ["uploaded_file.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_load_chunk_file_id", "load_chunk", ["file_id"])
    op.create_index("ix_load_chunk_status", "load_chunk", ["status", "organisation_id"])


def downgrade():
    op.drop_index("ix_load_chunk_status", table_name="load_chunk")
    op.drop_index("ix_load_chunk_file_id", table_name="load_chunk")
    op.drop_table("load_chunk")
    op.drop_column("uploaded_file", "chunks_left")
