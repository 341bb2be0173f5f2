"""«Аналитика» (issue 18): the refusal figures per МО, subdivision, payer, period, source and rule
code, the per-source totals of distinct cases, and the cases behind them (app/models/analytics.py)

Revision ID: a7b8c9d0e1f3
Revises: f1a2b3c4d5e8
Create Date: 2026-12-05 10:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "a7b8c9d0e1f3"
down_revision = "f1a2b3c4d5e8"
branch_labels = None
depends_on = None


def _columns(with_code: bool) -> list:
    cols = [
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("subdivision_id", sa.Integer(), nullable=True),
        sa.Column("payer_id", sa.Integer(), nullable=True),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("month", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=4), nullable=False),
    ]
    if with_code:
        cols.append(sa.Column("code", sa.String(length=20), nullable=False))
    cols += [
        sa.Column("cases", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=15, scale=2), nullable=False),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisation.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    ]
    return cols


def upgrade():
    for table, with_code in (("refusal_stat", True), ("refusal_total", False)):
        op.create_table(table, *_columns(with_code))
        op.create_index(f"ix_{table}_org_period", table, ["organisation_id", "year", "month"])
        op.create_index(f"ix_{table}_payer_period", table, ["payer_id", "year", "month"])
        op.create_index(f"ix_{table}_period", table, ["year", "month"])
    big = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    op.create_table(
        "refusal_case",
        sa.Column("id", big, nullable=False),
        sa.Column("case_id", big, nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("subdivision_id", sa.Integer(), nullable=True),
        sa.Column("payer_id", sa.Integer(), nullable=True),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("month", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=4), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("amount", sa.Numeric(precision=15, scale=2), nullable=False),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisation.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    keys = ["year", "month", "stage", "code", "case_id"]
    op.create_index("ix_refusal_case_period", "refusal_case", keys)
    op.create_index("ix_refusal_case_org_period", "refusal_case", ["organisation_id", *keys])
    op.create_index("ix_refusal_case_payer_period", "refusal_case", ["payer_id", *keys])


def downgrade():
    for suffix in ("payer_period", "org_period", "period"):
        op.drop_index(f"ix_refusal_case_{suffix}", table_name="refusal_case")
    op.drop_table("refusal_case")
    for table in ("refusal_total", "refusal_stat"):
        for suffix in ("period", "payer_period", "org_period"):
            op.drop_index(f"ix_{table}_{suffix}", table_name=table)
        op.drop_table(table)
