"""case_disp: SCHET/DISP of the D-file on its cases (issue 16, МЭК 003K.00.0070/0080/0100), and the
index of a patient's stays (003K.14.0070/0080)

Revision ID: c9d0e1f2a3b4
Revises: b8c9d0e1f2a3
Create Date: 2026-12-02 18:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = 'c9d0e1f2a3b4'
down_revision = 'b8c9d0e1f2a3'
branch_labels = None
depends_on = None

HAS_DISP = "disp IS NOT NULL"
IS_STAY = "usl_ok = 1"


def upgrade():
    with op.batch_alter_table("medical_case") as batch:
        batch.add_column(sa.Column("disp", sa.String(length=3), nullable=True))
    op.create_index(
        "ix_medical_case_person_disp",
        "medical_case",
        ["person_key", "disp"],
        unique=False,
        sqlite_where=sa.text(HAS_DISP),
        postgresql_where=sa.text(HAS_DISP),
    )
    # a patient's round-the-clock stays across МО (003K.14.0070/0080: overlapping care)
    op.create_index(
        "ix_medical_case_person_stay",
        "medical_case",
        ["person_key", "date_z_1"],
        unique=False,
        sqlite_where=sa.text(IS_STAY),
        postgresql_where=sa.text(IS_STAY),
    )


def downgrade():
    op.drop_index("ix_medical_case_person_stay", table_name="medical_case")
    op.drop_index("ix_medical_case_person_disp", table_name="medical_case")
    with op.batch_alter_table("medical_case") as batch:
        batch.drop_column("disp")
