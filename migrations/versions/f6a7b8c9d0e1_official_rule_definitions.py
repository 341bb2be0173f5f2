"""the official Q015 rows the ФЛК interprets: their check columns and why one does not compile

Revision ID: f6a7b8c9d0e1
Revises: e5f6a7b8c9d0
Create Date: 2026-12-02 12:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = 'f6a7b8c9d0e1'
down_revision = 'e5f6a7b8c9d0'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('control_rule') as batch:
        batch.add_column(sa.Column('definition', sa.Text(), nullable=True))
        batch.add_column(sa.Column('problem', sa.String(length=250), nullable=True))


def downgrade():
    with op.batch_alter_table('control_rule') as batch:
        batch.drop_column('problem')
        batch.drop_column('definition')
