"""daily work in the browser (issue 17): a re-uploaded file's older row says which file replaced
its cases («заменен файлом от …»)

Revision ID: e1f2a3b4c5d7
Revises: d0e1f2a3b4c6
Create Date: 2026-12-03 09:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "e1f2a3b4c5d7"
down_revision = "d0e1f2a3b4c6"
branch_labels = None
depends_on = None


def upgrade():
    # no foreign key: the pointer is cleared when the newer file's data is deleted
    op.add_column("uploaded_file", sa.Column("replaced_by_id", sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table("uploaded_file", schema=None) as batch_op:
        batch_op.drop_column("replaced_by_id")
