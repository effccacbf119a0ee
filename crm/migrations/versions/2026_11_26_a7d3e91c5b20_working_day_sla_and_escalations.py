"""working-day SLA and two-level escalations (督办)

Service tickets count working days on the Chinese calendar: every ticket's due time is
recomputed from when it was raised (urgent 1, high 3, normal 7, low 14 working days, due at
18:00 server time, the defaults of the settings), and it gains the moment the 督办 reaches the
city leader (as long again after the due day). Adds the bureau's closures, escalations and
督办 notes, the ``city_leader`` flag on users and the 链长 of a chain.

Revision ID: a7d3e91c5b20
Revises: e41c7a9d2b60
Create Date: 2026-11-26 16:50:00.000000
"""

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta

import chinese_calendar
import sqlalchemy as sa
from alembic import op

revision: str = "a7d3e91c5b20"
down_revision: str | None = "e41c7a9d2b60"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Copied from the settings' defaults at the time of writing (migrations never import crm).
SLA_WORKING_DAYS = {"urgent": 1, "high": 3, "normal": 7, "low": 14}
DAY_ENDS_AT = time(18, 0)
Moment = sa.DateTime(timezone=True)


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.add_column(
        "user_account",
        sa.Column("city_leader", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    if sqlite:
        op.execute(
            "ALTER TABLE chain ADD COLUMN leader_user_id INTEGER "
            "CONSTRAINT fk_chain_leader_user_id_user_account REFERENCES user_account (id)"
        )
    else:
        op.add_column("chain", sa.Column("leader_user_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            op.f("fk_chain_leader_user_id_user_account"),
            "chain",
            "user_account",
            ["leader_user_id"],
            ["id"],
        )
    op.add_column("service_ticket", sa.Column("city_due_at", Moment, nullable=True))
    _reschedule_tickets(sqlite)
    _create_tables()


def _create_tables() -> None:
    op.create_table(
        "workday_closure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("created_at", Moment, nullable=False),
        sa.Column("updated_at", Moment, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workday_closure")),
        sa.UniqueConstraint("day", name=op.f("uq_workday_closure_day")),
    )
    op.create_table(
        "escalation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_type", sa.String(length=16), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("recipient_id", sa.Integer(), nullable=False),
        sa.Column("due_at", Moment, nullable=False),
        sa.Column("notified_at", Moment, nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["recipient_id"],
            ["user_account.id"],
            name=op.f("fk_escalation_recipient_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalation")),
        sa.UniqueConstraint(
            "subject_type",
            "subject_id",
            "level",
            "recipient_id",
            name=op.f("uq_escalation_subject_type_subject_id_level_recipient_id"),
        ),
    )
    op.create_index("ix_escalation_subject", "escalation", ["subject_type", "subject_id"])
    op.create_index(op.f("ix_escalation_recipient_id"), "escalation", ["recipient_id"])
    op.create_index(op.f("ix_escalation_notified_at"), "escalation", ["notified_at"])
    op.create_table(
        "supervision_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_type", sa.String(length=16), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("sent_by_id", sa.Integer(), nullable=False),
        sa.Column("sent_at", Moment, nullable=False),
        sa.Column("respondent_id", sa.Integer(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("answered_by_id", sa.Integer(), nullable=True),
        sa.Column("answered_at", Moment, nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", Moment, nullable=False),
        sa.Column("updated_at", Moment, nullable=False),
        sa.ForeignKeyConstraint(
            ["sent_by_id"],
            ["user_account.id"],
            name=op.f("fk_supervision_note_sent_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["respondent_id"],
            ["user_account.id"],
            name=op.f("fk_supervision_note_respondent_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["answered_by_id"],
            ["user_account.id"],
            name=op.f("fk_supervision_note_answered_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervision_note")),
    )
    op.create_index(
        "ix_supervision_note_subject", "supervision_note", ["subject_type", "subject_id"]
    )
    op.create_index(op.f("ix_supervision_note_sent_by_id"), "supervision_note", ["sent_by_id"])
    op.create_index(
        op.f("ix_supervision_note_respondent_id"), "supervision_note", ["respondent_id"]
    )


def _reschedule_tickets(sqlite: bool) -> None:
    """Every ticket's due time in working days from when it was raised; a ticket already
    resolved keeps its history, only the yardstick changes."""
    connection = op.get_bind()
    tickets = sa.table(
        "service_ticket",
        sa.column("id", sa.Integer),
        sa.column("priority", sa.String),
        sa.column("raised_at", Moment),
        sa.column("due_at", Moment),
        sa.column("city_due_at", Moment),
    )
    rows = connection.execute(sa.select(tickets.c.id, tickets.c.priority, tickets.c.raised_at))
    for ticket_id, priority, raised_at in rows.all():
        days = SLA_WORKING_DAYS.get(priority, SLA_WORKING_DAYS["normal"])
        due = _due_after(_aware(raised_at), days)
        city_due = _due_after(due, days)
        connection.execute(
            tickets.update()
            .where(tickets.c.id == ticket_id)
            .values(due_at=_stored(due, sqlite), city_due_at=_stored(city_due, sqlite))
        )


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _stored(moment: datetime, sqlite: bool) -> datetime:
    utc = moment.astimezone(UTC)
    return utc.replace(tzinfo=None) if sqlite else utc


def _is_working_day(day: date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:  # a year the package does not know: Monday to Friday
        return day.weekday() < 5


def _due_after(moment: datetime, working_days: int) -> datetime:
    day = moment.astimezone().date()
    while working_days:
        day += timedelta(days=1)
        if _is_working_day(day):
            working_days -= 1
    return datetime.combine(day, DAY_ENDS_AT).astimezone()


def downgrade() -> None:
    op.drop_table("supervision_note")
    op.drop_table("escalation")
    op.drop_table("workday_closure")
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE service_ticket DROP COLUMN city_due_at")
        op.execute("ALTER TABLE chain DROP COLUMN leader_user_id")
        op.execute("ALTER TABLE user_account DROP COLUMN city_leader")
    else:
        op.drop_column("service_ticket", "city_due_at")
        op.drop_constraint(
            op.f("fk_chain_leader_user_id_user_account"), "chain", type_="foreignkey"
        )
        op.drop_column("chain", "leader_user_id")
        op.drop_column("user_account", "city_leader")
