"""Leads (招商线索) and their stage rules (SPEC §3)."""

from datetime import date, datetime
from typing import Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from crm import updates
from crm.auth import service as auth_service
from crm.chains import service as chain_service
from crm.chains.models import Segment
from crm.companies import parks as park_service
from crm.companies.models import Company, Park, park_chain
from crm.db import utcnow
from crm.errors import Conflict, Invalid, NotFound
from crm.leads import contact, lights, presigning
from crm.leads.models import HALTED, PIPELINE, RANK, Lead, Stage, StageChange
from crm.leads.schemas import (
    CompanyRef,
    HistoryEntry,
    LeadCreate,
    LeadDetail,
    LeadPublic,
    LeadUpdate,
    TaskForceRef,
)
from crm.taskforces import service as task_force_service
from crm.updates import refuse_nulls

# What a lead shows, all many-to-one: joined into the lead's own statement.
LOAD_OPTIONS = (
    joinedload(Lead.company),
    joinedload(Lead.segment).joinedload(Segment.chain),
    joinedload(Lead.task_force),
    joinedload(Lead.owner),
    joinedload(Lead.park),
    joinedload(Lead.specialist),
)


def get(session: Session, lead_id: int, *, with_history: bool = False) -> Lead:
    options = [*LOAD_OPTIONS, selectinload(Lead.history)] if with_history else list(LOAD_OPTIONS)
    lead = session.get(Lead, lead_id, options=options)
    if lead is None:
        raise NotFound(f"lead {lead_id} not found")
    return lead


def require(session: Session, lead_id: int, *, field: str = "lead_id") -> Lead:
    lead = session.get(Lead, lead_id, options=list(LOAD_OPTIONS))
    if lead is None:
        raise Invalid(field, f"unknown lead {lead_id}")
    return lead


def is_open(lead: Lead) -> bool:
    """Still being pursued: not halted and not yet signed."""
    return lead.stage not in HALTED and RANK[lead.stage] < RANK[Stage.signed]


def public(lead: Lead, *, today: date | None = None) -> LeadPublic:
    return LeadPublic(**_public_fields(lead, today or date.today()))


def detail(lead: Lead, *, today: date | None = None) -> LeadDetail:
    history = [
        HistoryEntry(
            from_=change.from_stage,
            to=change.to_stage,
            at=change.at,
            by=change.by,
            reason=change.reason,
            note=change.note,
        )
        for change in lead.history
    ]
    today = today or date.today()
    return LeadDetail(
        **_public_fields(lead, today),
        history=history,
        specialist=lead.specialist.username if lead.specialist else None,
        pause_proposed=lights.is_proposed(lead, today),
    )


def _public_fields(lead: Lead, today: date) -> dict:
    company = lead.company
    return {
        "id": lead.id,
        "company": CompanyRef(
            id=company.id, name=company.name, city=company.city, province=company.province
        ),
        "segment": f"{lead.segment.chain.code}:{lead.segment.code}",
        "chain": lead.segment.chain.code,
        "task_force": TaskForceRef(id=lead.task_force.id, name=lead.task_force.name)
        if lead.task_force
        else None,
        "owner": lead.owner.username if lead.owner else None,
        "stage": lead.stage,
        "left_stage": lead.left_stage,
        "halt_reason": lead.halt_reason,
        "highest_stage": PIPELINE[lead.highest_rank],
        "stage_changed_at": lead.stage_changed_at,
        "priority": lead.priority,
        "source": lead.source,
        "expected_investment": lead.expected_investment,
        "expected_jobs": lead.expected_jobs,
        "next_follow_up": lead.next_follow_up,
        "follow_up_overdue": bool(
            lead.next_follow_up and lead.next_follow_up < today and is_open(lead)
        ),
        "notes": lead.notes,
        "park": lead.park.name if lead.park else None,
        "last_contact_on": lead.last_contact_on,
        "last_visit_on": lead.last_visit_on,
        "light": lights.light_of(lead.stage, lead.priority, lead.last_contact_on, today),
        "version": lead.version,
        "created_at": lead.created_at,
        "updated_at": lead.updated_at,
    }


def create(
    session: Session, data: LeadCreate, *, now: datetime | None = None
) -> tuple[Lead, list[str]]:
    """Create a lead at ``identified``; a second active lead for the same company and
    segment is allowed but answered with a warning."""
    company = _require_company(session, data.company_id)
    segment = chain_service.resolve_segments(session, [data.segment], field="segment")[data.segment]
    lead = Lead(
        company=company,
        segment=segment,
        stage=Stage.identified,
        highest_rank=RANK[Stage.identified],
        created_at=now or utcnow(),
        stage_changed_at=now or utcnow(),
        priority=data.priority,
        source=data.source,
        expected_investment=data.expected_investment,
        expected_jobs=data.expected_jobs,
        next_follow_up=data.next_follow_up,
        notes=data.notes,
        park=park_service.require(session, data.park) if data.park else None,
    )
    if lead.park is None:
        lead.park = default_park(session, segment.chain_id)
    contact.after_move(lead, lead.stage_changed_at)
    _apply_people(session, lead, data.model_dump(include={"task_force_id", "owner", "specialist"}))
    warnings = _duplicate_warnings(session, company.id, segment.id)
    session.add(lead)
    session.flush()
    return lead, warnings


def update(session: Session, lead: Lead, data: LeadUpdate) -> Lead:
    check_version(lead, data.version)
    changes = data.model_dump(exclude_unset=True, exclude={"version"})
    refuse_nulls(changes, "segment", "priority", "source")
    with session.no_autoflush:
        if "segment" in changes:
            ref = changes.pop("segment")
            lead.segment = chain_service.resolve_segments(session, [ref], field="segment")[ref]
        _apply_people(session, lead, changes)
        for key in ("priority", "source", "expected_investment", "expected_jobs"):
            if key in changes:
                setattr(lead, key, changes[key])
        for key in ("next_follow_up", "notes"):
            if key in changes:
                setattr(lead, key, changes[key])
        if "park" in changes:
            lead.park = park_service.require(session, changes["park"]) if changes["park"] else None
        presigning.check_specialist_rule(lead)
        lead.touch()
    session.flush()
    return lead


def default_park(session: Session, chain_id: int) -> Park | None:
    """The intended park a new lead gets: the park leading its chain, if exactly one does."""
    parks = session.scalars(
        select(Park)
        .join(park_chain, park_chain.c.park_id == Park.id)
        .where(park_chain.c.chain_id == chain_id)
        .limit(2)
    ).all()
    return parks[0] if len(parks) == 1 else None


def default_parks(session: Session) -> dict[int, Park]:
    """``{chain id: park}`` for every chain exactly one park leads, in two queries."""
    single = (
        select(park_chain.c.chain_id, func.min(park_chain.c.park_id).label("park_id"))
        .group_by(park_chain.c.chain_id)
        .having(func.count() == 1)
        .subquery()
    )
    rows = session.execute(select(single.c.chain_id, single.c.park_id)).all()
    parks = {
        p.id: p for p in session.scalars(select(Park).where(Park.id.in_({r[1] for r in rows})))
    }
    return {chain_id: parks[park_id] for chain_id, park_id in rows}


def delete(session: Session, lead: Lead) -> None:
    if RANK.get(lead.stage, 0) >= RANK[Stage.signed] or lead.highest_rank >= RANK[Stage.signed]:
        raise Conflict(f"lead {lead.id} was signed; its project keeps it")
    session.delete(lead)
    session.flush()


def plan_move(lead: Lead, requested: Stage | Literal["resume"], reason: str | None) -> Stage:
    """Check a stage move against SPEC §3 and return the stage it goes to.

    Forward moves may skip stages; a backward move needs a reason; paused and lost need a
    reason and remember the stage they left; ``resume`` returns a paused lead there.
    Moves past ``signed`` need the lead to have been signed (its project exists).
    """
    current = lead.stage
    reason = (reason or "").strip() or None
    if requested == "resume":
        if current not in HALTED:
            raise Invalid("stage", f"only a paused or lost lead can resume; this one is {current}")
        target = lead.left_stage or Stage.identified
    else:
        target = requested
    if target == current:
        raise Invalid("stage", f"the lead is already {current}")
    if target in HALTED:
        if reason is None:
            raise Invalid("reason", f"moving a lead to {target} needs a reason")
        return target
    base = lead.left_stage if current in HALTED and lead.left_stage else current
    if current == Stage.lost and reason is None:
        raise Invalid("reason", "reopening a lost lead needs a reason")
    if RANK[target] < RANK[base] and reason is None:
        raise Invalid("reason", f"moving back from {base} to {target} needs a reason")
    signed = RANK[Stage.signed]
    if lead.highest_rank >= signed and RANK[target] < signed:
        raise Invalid("stage", "a signed lead cannot go back before signing; its project exists")
    if RANK[target] > signed and lead.highest_rank < signed:
        raise Invalid("stage", f"a lead must be signed before it is {target}")
    return target


def record_move(
    session: Session,
    lead: Lead,
    target: Stage,
    *,
    by: str | None,
    reason: str | None = None,
    note: str | None = None,
    at: datetime | None = None,
    flush: bool = True,
) -> StageChange:
    """Move the lead (already checked by ``plan_move``) and write its history row.

    ``at`` is the moment of the move (the request's clock; seeds replay older histories).
    ``flush=False`` leaves the flush to a caller writing many leads in batches (imports).
    """
    current = lead.stage
    at = at or utcnow()
    change = StageChange(
        from_stage=current,
        to_stage=target,
        at=at,
        by=by,
        reason=reason or None,
        note=note or None,
    )
    lead.history.append(change)
    if target in HALTED:
        if current not in HALTED:
            lead.left_stage = current
        lead.halt_reason = reason
    else:
        lead.left_stage = None
        lead.halt_reason = None
        lead.highest_rank = max(lead.highest_rank, RANK[target])
    lead.stage = target
    lead.stage_changed_at = at
    contact.after_move(lead, at)
    if flush:
        session.flush()
    return change


def check_version(lead: Lead, version: int | None) -> None:
    updates.check_version(lead, version, f"lead {lead.id}")


def _require_company(session: Session, company_id: int) -> Company:
    company = session.get(Company, company_id)
    if company is None:
        raise Invalid("company_id", f"unknown company {company_id}")
    return company


def _apply_people(session: Session, lead: Lead, values: dict) -> None:
    if "task_force_id" in values:
        tf_id = values["task_force_id"]
        lead.task_force = task_force_service.require(session, tf_id) if tf_id is not None else None
    if "owner" in values:
        owner = values["owner"]
        lead.owner = auth_service.require_user(session, owner, field="owner") if owner else None
    if "specialist" in values:
        named = values["specialist"]
        lead.specialist = presigning.require_specialist(session, named) if named else None


def _duplicate_warnings(session: Session, company_id: int, segment_id: int) -> list[str]:
    active = [s for s in PIPELINE if s != Stage.producing]
    others = session.scalar(
        select(func.count())
        .select_from(Lead)
        .where(
            Lead.company_id == company_id,
            Lead.segment_id == segment_id,
            Lead.stage.in_(active),
        )
    )
    if others:
        return [f"the company already has {others} active lead(s) for this segment"]
    return []


def count_for_company(session: Session, company_id: int) -> int:
    return session.scalar(select(func.count()).where(Lead.company_id == company_id)) or 0


def lead_counts_by_task_force(session: Session, task_force_ids: list[int]) -> dict[int, dict]:
    """``{task force id: {stage: count}}`` in one GROUP BY."""
    if not task_force_ids:
        return {}
    rows = session.execute(
        select(Lead.task_force_id, Lead.stage, func.count())
        .where(Lead.task_force_id.in_(task_force_ids))
        .group_by(Lead.task_force_id, Lead.stage)
    )
    counts: dict[int, dict] = {
        tf: dict.fromkeys((s.value for s in Stage), 0) for tf in task_force_ids
    }
    for tf_id, stage, count in rows:
        counts[tf_id][stage.value] = count
    return counts


def open_leads_by_segment(session: Session, segment_ids: list[int]) -> dict[int, int]:
    """Leads still being pursued (not signed, paused or lost) per segment, in one query."""
    open_stages = [s for s in PIPELINE if RANK[s] < RANK[Stage.signed]]
    rows = session.execute(
        select(Lead.segment_id, func.count())
        .where(Lead.segment_id.in_(segment_ids), Lead.stage.in_(open_stages))
        .group_by(Lead.segment_id)
    )
    return dict(rows.all())


def companies_pursued_in(session: Session, chain_id: int, segment_code: str) -> set[int]:
    """The companies that have a lead (any stage) in the segment."""
    query = (
        select(Lead.company_id)
        .join(Segment, Segment.id == Lead.segment_id)
        .where(Segment.chain_id == chain_id, Segment.code == segment_code)
    )
    return set(session.scalars(query))
