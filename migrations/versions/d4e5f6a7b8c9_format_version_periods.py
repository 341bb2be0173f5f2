"""format versions by reporting period («Версии форматов по периодам»)

Revision ID: d4e5f6a7b8c9
Revises: c3f1d2e4a5b6
Create Date: 2026-12-02 09:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = 'd4e5f6a7b8c9'
down_revision = 'c3f1d2e4a5b6'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'format_version_period',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=1), nullable=False),
        sa.Column('version', sa.String(length=5), nullable=False),
        sa.Column('period_from', sa.Date(), nullable=True),
        sa.Column('period_to', sa.Date(), nullable=True),
        sa.Column('check_code', sa.String(length=20), nullable=False),
        sa.Column('comment', sa.String(length=250), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )


def downgrade():
    op.drop_table('format_version_period')
