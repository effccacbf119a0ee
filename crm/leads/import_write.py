"""Writing a planned lead import with Core statements, a batch of plans at a time.

Per batch of plans: the new companies (``crm.companies.import_write.insert_companies``: one multi-row
INSERT with ids returned, ``COPY`` on PostgreSQL), the new leads (one multi-row INSERT, ids
returned), the stored leads that change (one executemany UPDATE that checks and bumps
``version``, as the ORM's optimistic locking does) and the stage-history rows of every lead
the file moves on. No ORM object is made per row; what is written is what the ORM path wrote
(``lead_service.record_move`` for a move, the model's defaults for a new lead).

Everything runs in the caller's savepoint: an error in any batch undoes every batch.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, update
from sqlalchemy.orm import Session

from crm.clock import local_date
from crm.companies.import_write import city_name, insert_companies, new_target
from crm.db import insert_returning_ids, insert_rows, update_checking_versions, utcnow
from crm.leads import contact
from crm.leads import service as lead_service
from crm.leads.import_plan import FILLED, LeadPlan, StoredLead
from crm.leads.import_rows import CompanyRef, LeadRow
from crm.leads.models import HALTED, RANK, Lead, PolicyStatus, Priority, Source, Stage, StageChange
from crm.table_writing import batches

IMPORT_NOTE = "导入"
BATCH = 1000
# The columns an import may change on a stored lead (besides version and updated_at).
UPDATED = (
    *FILLED,
    "task_force_id",
    "owner_id",
    "park_id",
    "stage",
    "left_stage",
    "halt_reason",
    "highest_rank",
    "stage_changed_at",
    "last_contact_on",
)


@dataclass
class Written:
    """The ids an import created and changed, for its report and its audit entry."""

    leads: list[int] = field(default_factory=list)
    changed: list[int] = field(default_factory=list)
    moved: list[int] = field(default_factory=list)
    companies: list[int] = field(default_factory=list)


def write_plans(
    session: Session,
    plans: list[LeadPlan],
    *,
    by: str | None,
    default_parks: dict[int, int],
) -> Written:
    """Create or update one lead per plan; ``default_parks``: ``{chain id: park id}``."""
    written = Written()
    for batch in batches(plans, BATCH):
        _write_batch(session, batch, by=by, default_parks=default_parks, written=written)
    return written


def _write_batch(
    session: Session,
    plans: list[LeadPlan],
    *,
    by: str | None,
    default_parks: dict[int, int],
    written: Written,
) -> None:
    now = utcnow()
    written.companies += _insert_companies(session, [plan.company for plan in plans])
    new_rows: dict[int, dict[str, Any]] = {}
    moves: dict[int, _Move] = {}
    for index, plan in enumerate(plans):
        values = combined(plan.rows)
        state: StoredLead | _NewLeadState
        if plan.lead is None:
            default_park = default_parks.get(plan.segment.chain_id)
            new_rows[index] = _new_lead(plan, values, default_park, now)
            state = _NewLeadState(new_rows[index])
        else:
            state = plan.lead
            _fill(state, values)
        move = _move(state, values.get("stage"), now)
        if move is not None:
            moves[index] = move
    new_ids = dict(zip(new_rows, _insert_leads(session, list(new_rows.values())), strict=True))
    changed = [plan.lead for plan in plans if plan.lead is not None and plan.lead.changed]
    _update_leads(session, changed, now)
    ids = [new_ids[i] if plan.lead is None else plan.lead.id for i, plan in enumerate(plans)]
    history = [_history_row(ids[index], move, by=by, at=now) for index, move in moves.items()]
    if history:  # in file order, as the ORM wrote them
        insert_rows(session, StageChange.__table__, history)
    written.leads += new_ids.values()
    written.changed += [lead.id for lead in changed]
    written.moved += [ids[index] for index in moves]


def _insert_companies(session: Session, companies: list[CompanyRef]) -> list[int]:
    """Insert the batch's companies not stored yet (each once); their ids."""
    unique = {id(company): company for company in companies if company.id is None}
    targets = []
    for company in unique.values():
        target = new_target(company.name or "")
        target.values.update(credit_code=company.credit_code, city=city_name(company.city))
        targets.append(target)
    insert_companies(session, targets)
    for company, target in zip(unique.values(), targets, strict=True):
        company.id = target.id
    return [company.id for company in unique.values() if company.id is not None]


def combined(rows: list[LeadRow]) -> dict[str, Any]:
    """What the rows of one lead say, later cells over earlier ones; the furthest stage."""
    values: dict[str, Any] = {}
    for row in rows:
        given = row.data.model_dump(exclude_unset=True, include=set(FILLED))
        values.update(given)
        if row.task_force is not None:
            values["task_force_id"] = row.task_force.id
        if row.owner is not None:
            values["owner_id"] = row.owner.id
        if row.park is not None:
            values["park_id"] = row.park.id
        stage = row.data.stage  # paused or lost only ever repeat the lead's stage: no move
        if stage in RANK and RANK[stage] > RANK[values.get("stage", Stage.identified)]:
            values["stage"] = stage
    return values


def _new_lead(
    plan: LeadPlan, values: dict[str, Any], default_park: int | None, now: datetime
) -> dict[str, Any]:
    """Every column of a new lead at ``identified``, as the ORM with the model's defaults
    wrote it."""
    assert plan.company.id is not None
    given = {name: values.get(name) for name in ("task_force_id", "owner_id")}
    return {
        "company_id": plan.company.id,
        "segment_id": plan.segment.id,
        **given,
        "park_id": values.get("park_id", default_park),
        "stage": Stage.identified,
        "left_stage": None,
        "halt_reason": None,
        "highest_rank": RANK[Stage.identified],
        "stage_changed_at": now,
        "priority": values.get("priority", Priority.B),
        "source": values.get("source", Source.other),
        **{name: values.get(name) for name in FILLED if name not in ("priority", "source")},
        "specialist_id": None,
        "assessment_org": None,
        "assessment_date": None,
        "assessment_conclusion": None,
        "assessment_url": None,
        "planning_links": [],
        "policy_status": PolicyStatus.draft,
        "policy_approved_by": None,
        "policy_approved_at": None,
        "last_visit_on": None,
        "last_contact_on": local_date(now),
        "pause_renewed_on": None,
        "version": 1,
        "created_at": now,
        "updated_at": now,
    }


class _NewLeadState:
    """A new lead's row seen as ``lead_service.plan_move`` reads a lead."""

    def __init__(self, row: dict[str, Any]):
        self.row = row

    @property
    def stage(self) -> Stage:
        return self.row["stage"]

    @property
    def left_stage(self) -> Stage | None:
        return self.row["left_stage"]

    @property
    def highest_rank(self) -> int:
        return self.row["highest_rank"]

    def set(self, name: str, value: Any) -> None:
        self.row[name] = value


@dataclass
class _Move:
    from_stage: Stage
    to_stage: Stage


def _move(lead: StoredLead | _NewLeadState, target: Stage | None, at: datetime) -> _Move | None:
    """Move the lead on to ``target`` if the file takes it further, setting what
    ``lead_service.record_move`` sets; the move, for its history row."""
    if target is None or lead.stage in HALTED or RANK[target] <= RANK[lead.stage]:
        return None
    target = lead_service.plan_move(lead, target, None)  # type: ignore[arg-type]
    move = _Move(from_stage=lead.stage, to_stage=target)
    # Never halted here: record_move's forward branch.
    lead.set("left_stage", None)
    lead.set("halt_reason", None)
    lead.set("highest_rank", max(lead.highest_rank, RANK[target]))
    lead.set("stage", target)
    lead.set("stage_changed_at", at)
    last_visit = lead.values["last_visit_on"] if isinstance(lead, StoredLead) else None
    lead.set("last_contact_on", contact.latest(local_date(at), last_visit))
    return move


def _history_row(lead_id: int, move: _Move, *, by: str | None, at: datetime) -> dict[str, Any]:
    return {
        "lead_id": lead_id,
        "from_stage": move.from_stage,
        "to_stage": move.to_stage,
        "at": at,
        "by": by,
        "reason": None,
        "note": IMPORT_NOTE,
    }


def _fill(lead: StoredLead, values: dict[str, Any]) -> None:
    """Set what the file gives; blank cells keep what the lead has."""
    for name in (*FILLED, "task_force_id", "owner_id", "park_id"):
        if name in values:
            lead.set(name, values[name])


def _insert_leads(session: Session, rows: list[dict[str, Any]]) -> list[int]:
    return insert_returning_ids(session, Lead.__table__, rows)


def _update_leads(session: Session, leads: list[StoredLead], now: datetime) -> None:
    """One executemany UPDATE of the changed leads, each checked against the version read
    and bumped, as the ORM's ``version_id_col`` does: a lead changed meanwhile is a
    ``StaleDataError`` (409), and the import's savepoint is rolled back."""
    if not leads:
        return
    table = Lead.__table__
    statement = (
        update(table)
        .where(table.c.id == bindparam("lead_id"), table.c.version == bindparam("read_version"))
        .values(
            version=table.c.version + 1,
            updated_at=now,
            **{name: bindparam(f"new_{name}") for name in UPDATED},
        )
    )
    params = [
        {
            "lead_id": lead.id,
            "read_version": lead.values["version"],
            **{f"new_{name}": lead.values[name] for name in UPDATED},
        }
        for lead in leads
    ]
    update_checking_versions(session, statement, params)
