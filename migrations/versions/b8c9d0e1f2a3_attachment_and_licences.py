"""attachment_and_licences

The registers the fund keeps for the МЭК: the МО attachment of the insured (mo_attachment) and
the МО licences by conditions and profile of care (mo_licence).

Revision ID: b8c9d0e1f2a3
Revises: a7b8c9d0e1f2
Create Date: 2026-12-02 17:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = 'b8c9d0e1f2a3'
down_revision = 'a7b8c9d0e1f2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'mo_attachment',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('enp', sa.String(length=16), nullable=False),
        sa.Column('mo_code', sa.String(length=6), nullable=False),
        sa.Column('subdivision_code', sa.String(length=8), nullable=True),
        sa.Column('site', sa.String(length=20), nullable=True),
        sa.Column('date_begin', sa.Date(), nullable=False),
        sa.Column('date_end', sa.Date(), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('enp', 'mo_code', 'date_begin', name='uq_mo_attachment_enp_mo_begin'),
    )
    with op.batch_alter_table('mo_attachment', schema=None) as batch_op:
        batch_op.create_index('ix_mo_attachment_mo_code', ['mo_code'], unique=False)

    op.create_table(
        'mo_licence',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('mo_code', sa.String(length=6), nullable=False),
        sa.Column('usl_ok', sa.Integer(), nullable=False),
        sa.Column('profil', sa.Integer(), nullable=False),
        sa.Column('licence_number', sa.String(length=50), nullable=True),
        sa.Column('date_begin', sa.Date(), nullable=False),
        sa.Column('date_end', sa.Date(), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('mo_code', 'usl_ok', 'profil', 'date_begin', name='uq_mo_licence_mo_usl_ok_profil_begin'),
    )


def downgrade():
    op.drop_table('mo_licence')
    with op.batch_alter_table('mo_attachment', schema=None) as batch_op:
        batch_op.drop_index('ix_mo_attachment_mo_code')
    op.drop_table('mo_attachment')
