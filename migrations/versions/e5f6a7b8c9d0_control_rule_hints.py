"""hints of the control rules for the МО operator

Revision ID: e5f6a7b8c9d0
Revises: d4e5f6a7b8c9
Create Date: 2026-12-02 09:55:00

"""

import sqlalchemy as sa
from alembic import op

revision = 'e5f6a7b8c9d0'
down_revision = 'd4e5f6a7b8c9'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('control_rule') as batch:
        batch.add_column(sa.Column('hint', sa.String(length=500), nullable=True))


def downgrade():
    with op.batch_alter_table('control_rule') as batch:
        batch.drop_column('hint')
