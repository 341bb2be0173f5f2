"""daily work in the browser (issue 17): the indexes of «Случаи»'s search across periods — by
surname, policy, ЕНП and case history number

Revision ID: d0e1f2a3b4c6
Revises: c9d0e1f2a3b4
Create Date: 2026-12-03 08:30:00

"""

from alembic import op

revision = "d0e1f2a3b4c6"
down_revision = "c9d0e1f2a3b4"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_patient_org_fam", "patient", ["organisation_id", "fam"], unique=False)
    op.create_index("ix_medical_case_org_npolis", "medical_case", ["organisation_id", "npolis"], unique=False)
    op.create_index("ix_medical_case_org_enp", "medical_case", ["organisation_id", "enp"], unique=False)
    op.create_index("ix_medical_case_org_nhistory", "medical_case", ["organisation_id", "nhistory"], unique=False)


def downgrade():
    op.drop_index("ix_medical_case_org_nhistory", table_name="medical_case")
    op.drop_index("ix_medical_case_org_enp", table_name="medical_case")
    op.drop_index("ix_medical_case_org_npolis", table_name="medical_case")
    op.drop_index("ix_patient_org_fam", table_name="patient")
