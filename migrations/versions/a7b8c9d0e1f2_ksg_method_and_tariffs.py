"""ksg_method_and_tariffs

The federal КСГ tables (ksg_group: the КСГ list with КЗ, КПГ and the flags of the appendices;
ksg_grouper: the grouper rows), the level and КПГ of a tariff row, the level of an МО.

Revision ID: a7b8c9d0e1f2
Revises: f6a7b8c9d0e1
Create Date: 2026-12-02 17:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = 'a7b8c9d0e1f2'
down_revision = 'f6a7b8c9d0e1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'ksg_group',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=10), nullable=False),
        sa.Column('usl_ok', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=500), nullable=False),
        sa.Column('koef_z', sa.Numeric(precision=10, scale=5), nullable=False),
        sa.Column('kpg', sa.String(length=10), nullable=True),
        sa.Column('kpg_name', sa.String(length=250), nullable=True),
        sa.Column('wage_share', sa.Numeric(precision=6, scale=4), nullable=True),
        sa.Column('with_intervention', sa.Boolean(), nullable=False),
        sa.Column('without_level', sa.Boolean(), nullable=False),
        sa.Column('short_optimal', sa.Boolean(), nullable=False),
        sa.Column('koef_up', sa.Numeric(precision=8, scale=5), nullable=True),
        sa.Column('date_begin', sa.Date(), nullable=False),
        sa.Column('date_end', sa.Date(), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('code', 'date_begin', name='uq_ksg_group_code_begin'),
    )
    with op.batch_alter_table('ksg_group', schema=None) as batch_op:
        batch_op.create_index('ix_ksg_group_code', ['code'], unique=False)

    op.create_table(
        'ksg_grouper',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('usl_ok', sa.Integer(), nullable=False),
        sa.Column('row_no', sa.Integer(), nullable=False),
        sa.Column('ksg_code', sa.String(length=10), nullable=False),
        sa.Column('ds1', sa.String(length=10), nullable=True),
        sa.Column('ds2', sa.String(length=10), nullable=True),
        sa.Column('ds3', sa.String(length=10), nullable=True),
        sa.Column('service_code', sa.String(length=30), nullable=True),
        sa.Column('age_group', sa.String(length=2), nullable=True),
        sa.Column('sex', sa.String(length=1), nullable=True),
        sa.Column('duration', sa.String(length=2), nullable=True),
        sa.Column('other', sa.String(length=40), nullable=True),
        sa.Column('fractions', sa.String(length=10), nullable=True),
        sa.Column('group_no', sa.Integer(), nullable=True),
        sa.Column('date_begin', sa.Date(), nullable=False),
        sa.Column('date_end', sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('usl_ok', 'row_no', 'date_begin', name='uq_ksg_grouper_row'),
    )
    with op.batch_alter_table('ksg_grouper', schema=None) as batch_op:
        batch_op.create_index('ix_ksg_grouper_ksg', ['ksg_code', 'date_begin'], unique=False)
        batch_op.create_index('ix_ksg_grouper_ds1', ['ds1'], unique=False)

    with op.batch_alter_table('tariff', schema=None) as batch_op:
        batch_op.add_column(sa.Column('level', sa.String(length=5), server_default='', nullable=False))
        batch_op.add_column(sa.Column('kpg', sa.String(length=10), server_default='', nullable=False))
        batch_op.drop_constraint('uq_tariff_kind_code_begin', type_='unique')
        batch_op.create_unique_constraint(
            'uq_tariff_kind_code_level_kpg_begin', ['kind', 'code', 'level', 'kpg', 'date_begin']
        )

    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('level', sa.String(length=5), nullable=True))


def downgrade():
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.drop_column('level')

    op.execute("DELETE FROM tariff WHERE level <> '' OR kpg <> ''")
    with op.batch_alter_table('tariff', schema=None) as batch_op:
        batch_op.drop_constraint('uq_tariff_kind_code_level_kpg_begin', type_='unique')
        batch_op.create_unique_constraint('uq_tariff_kind_code_begin', ['kind', 'code', 'date_begin'])
        batch_op.drop_column('kpg')
        batch_op.drop_column('level')

    with op.batch_alter_table('ksg_grouper', schema=None) as batch_op:
        batch_op.drop_index('ix_ksg_grouper_ds1')
        batch_op.drop_index('ix_ksg_grouper_ksg')
    op.drop_table('ksg_grouper')
    with op.batch_alter_table('ksg_group', schema=None) as batch_op:
        batch_op.drop_index('ix_ksg_group_code')
    op.drop_table('ksg_group')
