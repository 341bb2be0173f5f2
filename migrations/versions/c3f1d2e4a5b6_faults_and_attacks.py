"""faults and attacks: temporary account locks and session epochs, job heartbeats, one loading file
of a name per МО, the index of medical_case.patient_id

Revision ID: c3f1d2e4a5b6
Revises: 8a0ece53edb6
Create Date: 2026-12-02 09:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = 'c3f1d2e4a5b6'
down_revision = '8a0ece53edb6'
branch_labels = None
depends_on = None

LOADING = ("В очереди", "Проверка архива", "ФЛК", "Идентификация в ЕРЗ", "МЭК", "Перерасчет стоимости")
LOADING_SQL = "status IN ({})".format(", ".join(f"'{s}'" for s in LOADING))


def upgrade():
    with op.batch_alter_table('ab_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('locked_until', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('lock_count', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('session_epoch', sa.Integer(), server_default='0', nullable=False))
    # the permanent lock of earlier versions switched accounts off: they become temporary locks
    op.execute(
        "UPDATE ab_user SET active = true, locked_until = locked_at, lock_count = 1 "
        "WHERE locked_at IS NOT NULL AND active = false"
    )

    with op.batch_alter_table('background_job', schema=None) as batch_op:
        batch_op.add_column(sa.Column('arguments', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('worker', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('heartbeat_at', sa.DateTime(), nullable=True))

    with op.batch_alter_table('medical_case', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_medical_case_patient_id'), ['patient_id'], unique=False)

    # files left «loading» twice under one name (loads that died) would break the unique index: the
    # older ones end as interrupted (their rows stay invisible to formation; the МО deletes them)
    op.execute(
        "UPDATE uploaded_file SET status = 'Ошибка при загрузке подготовленных данных', "
        "note = 'Загрузка прервана: обновление системы' "
        f"WHERE {LOADING_SQL} AND id NOT IN (SELECT max(id) FROM uploaded_file WHERE {LOADING_SQL} "
        "GROUP BY organisation_id, archive_name)"
    )
    op.create_index(
        'uq_uploaded_file_loading_name',
        'uploaded_file',
        ['organisation_id', 'archive_name'],
        unique=True,
        sqlite_where=sa.text(LOADING_SQL),
        postgresql_where=sa.text(LOADING_SQL),
    )


def downgrade():
    op.drop_index('uq_uploaded_file_loading_name', table_name='uploaded_file')
    with op.batch_alter_table('medical_case', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_medical_case_patient_id'))
    with op.batch_alter_table('background_job', schema=None) as batch_op:
        batch_op.drop_column('heartbeat_at')
        batch_op.drop_column('worker')
        batch_op.drop_column('arguments')
    with op.batch_alter_table('ab_user', schema=None) as batch_op:
        batch_op.drop_column('session_epoch')
        batch_op.drop_column('lock_count')
        batch_op.drop_column('locked_until')
