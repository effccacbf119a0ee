"""green cards closed by production: the stored reason in Chinese, like the rest of the data

Cards closed automatically when their project started production stored the English sentence
"the project started production"; the page showed it as it was, in English on a Chinese page.

Revision ID: c91f2e7b5a08
Revises: b3e8a1d40c57
Create Date: 2026-11-26 20:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c91f2e7b5a08"
down_revision: str | None = "b3e8a1d40c57"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD = "the project started production"
NEW = "项目已投产"


def _replace(before: str, after: str) -> None:
    op.execute(
        sa.text(
            "UPDATE green_card SET closed_reason = :after WHERE closed_reason = :before"
        ).bindparams(before=before, after=after)
    )


def upgrade() -> None:
    _replace(OLD, NEW)


def downgrade() -> None:
    _replace(NEW, OLD)
