"""incentive compliance note

A policy item may carry a note saying why it would not pass a fair-competition review
(公平竞争审查): the project page and the API show it as a warning.

Revision ID: 6d2e8f4a1b37
Revises: 7d41c9a2e5f3
Create Date: 2026-11-26 16:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "6d2e8f4a1b37"
down_revision: str | None = "7d41c9a2e5f3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("policy_incentive", sa.Column("compliance", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("policy_incentive", "compliance")
