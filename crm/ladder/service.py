"""The ladder's records: a company's dated tiers (with the tags they carry), its liaison city
leader and its yearly plans. Rules: ``crm.ladder.rules``; reports: ``crm.ladder.reports``."""

from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from crm.auth.models import User
from crm.companies.models import Company, CompanyTag
from crm.errors import Conflict, Invalid, NotFound
from crm.ladder import rules
from crm.ladder.models import TIER_TAGS, CompanyLiaison, CompanyTier, FirmPlan, PlanMeasure
from crm.ladder.schemas import (
    CompanyLadder,
    LiaisonPublic,
    LiaisonSet,
    MeasureIn,
    MeasurePublic,
    PlanPublic,
    PlanPut,
    TierCreate,
    TierEnd,
    TierPublic,
    TierUpdate,
)
from crm.updates import check_version, refuse_nulls


def get_company(session: Session, company_id: int) -> Company:
    company = session.get(Company, company_id, options=[selectinload(Company.tag_rows)])
    if company is None:
        raise NotFound(f"company {company_id} not found")
    return company


def get_tier(session: Session, tier_id: int) -> CompanyTier:
    entry = session.get(CompanyTier, tier_id)
    if entry is None:
        raise NotFound(f"tier entry {tier_id} not found")
    return entry


# --- tiers -------------------------------------------------------------------------------------


def tiers_of(session: Session, company_id: int) -> list[CompanyTier]:
    query = select(CompanyTier).where(CompanyTier.company_id == company_id)
    return list(session.scalars(query.order_by(CompanyTier.entered_on, CompanyTier.id)))


def add_tier(session: Session, company: Company, data: TierCreate) -> CompanyTier:
    _check_dates(data.entered_on, data.left_on)
    if data.left_on is None:
        rules.require_eligible(session, company, data.tier)
        _refuse_second_open(session, company.id, data)
    entry = CompanyTier(
        company=company,
        tier=data.tier,
        entered_on=data.entered_on,
        left_on=data.left_on,
        source_document=data.source_document,
        note=data.note,
    )
    session.add(entry)
    _flush_one_open(session, entry)
    sync_tags(session, company)
    return entry


def update_tier(session: Session, entry: CompanyTier, data: TierUpdate) -> CompanyTier:
    check_version(entry, data.version, f"tier entry {entry.id}")
    changes = data.model_dump(exclude_unset=True, exclude={"version"})
    refuse_nulls(changes, "entered_on")
    entered = changes.get("entered_on", entry.entered_on)
    left = changes.get("left_on", entry.left_on)
    _check_dates(entered, left)
    if entry.left_on is not None and left is None:  # reopened: the rules and one open entry
        rules.require_eligible(session, entry.company, entry.tier)
        _refuse_second_open(session, entry.company_id, entry, but=entry.id)
    for key, value in changes.items():
        setattr(entry, key, value)
    _flush_one_open(session, entry)
    sync_tags(session, entry.company)
    return entry


def end_tier(session: Session, entry: CompanyTier, data: TierEnd) -> CompanyTier:
    if entry.left_on is not None:
        raise Conflict(f"tier entry {entry.id} already ended on {entry.left_on.isoformat()}")
    changes = {"version": data.version, "left_on": data.left_on}
    if data.note is not None:
        changes["note"] = data.note
    return update_tier(session, entry, TierUpdate(**changes))


def delete_tier(session: Session, entry: CompanyTier) -> None:
    company = entry.company
    session.delete(entry)
    session.flush()
    sync_tags(session, company)


def sync_tags(session: Session, company: Company) -> None:
    """A tier that carries a tag (``TIER_TAGS``) sets it while current; when no current tier
    carries a tag any more, the tag goes, but only if a tier ever carried it (a tag set by hand
    on a firm with no history for that tier stays)."""
    entries = tiers_of(session, company.id)
    current = {TIER_TAGS[e.tier] for e in entries if e.left_on is None and e.tier in TIER_TAGS}
    ever = {TIER_TAGS[e.tier] for e in entries if e.tier in TIER_TAGS}
    tags = {row.tag: row for row in company.tag_rows}
    wanted = [t for t in tags if t in current or t not in ever]
    wanted += [t for t in sorted(current) if t not in tags]
    if set(wanted) != set(tags):
        company.tag_rows = [tags.get(t) or CompanyTag(tag=t) for t in wanted]
        company.touch()
        session.flush()


def _check_dates(entered: date, left: date | None) -> None:
    if left is not None and left < entered:
        raise Invalid("left_on", "退出日期不能早于进入日期 (left_on is before entered_on)")


def _refuse_second_open(session: Session, company_id: int, data, but: int | None = None) -> None:
    query = select(CompanyTier.id).where(
        CompanyTier.company_id == company_id,
        CompanyTier.tier == data.tier,
        CompanyTier.left_on.is_(None),
    )
    if but is not None:
        query = query.where(CompanyTier.id != but)
    open_id = session.scalar(query)
    if open_id is not None:
        raise Conflict(
            f"company {company_id} is already in tier {data.tier.value} (entry {open_id}); "
            "end that entry first"
        )


def _flush_one_open(session: Session, entry: CompanyTier) -> None:
    """The unique index settles a race between two requests adding the same open tier."""
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise Conflict(
            f"company {entry.company_id} already has an open {entry.tier.value} entry"
        ) from None


def tier_public(entry: CompanyTier) -> TierPublic:
    return TierPublic(
        id=entry.id,
        company_id=entry.company_id,
        company=entry.company.name,
        tier=entry.tier,
        entered_on=entry.entered_on,
        left_on=entry.left_on,
        current=entry.left_on is None,
        source_document=entry.source_document,
        note=entry.note,
        version=entry.version,
    )


# --- liaison -----------------------------------------------------------------------------------


def liaisons_of(session: Session, company_id: int) -> list[CompanyLiaison]:
    query = (
        select(CompanyLiaison)
        .where(CompanyLiaison.company_id == company_id)
        .options(selectinload(CompanyLiaison.user))
        .order_by(CompanyLiaison.since.desc(), CompanyLiaison.id.desc())
    )
    return list(session.scalars(query))


def set_liaison(session: Session, company: Company, data: LiaisonSet) -> CompanyLiaison:
    """Name the city leader who keeps in touch with the firm; the current one's term ends on
    the new one's first day."""
    leader = session.scalar(select(User).where(User.username == data.leader))
    if leader is None:
        raise Invalid("leader", f"no user '{data.leader}'")
    if not leader.city_leader or not leader.is_active:
        raise Invalid(
            "leader",
            f"用户 {leader.username} 不是市领导：联系企业的须为市领导 (city_leader) "
            "(the liaison must be an active city leader)",
        )
    current = next((li for li in liaisons_of(session, company.id) if li.until is None), None)
    if current is not None:
        if current.user_id == leader.id:
            return current
        if data.since < current.since:
            raise Invalid(
                "since", f"the current liaison has served since {current.since.isoformat()}"
            )
        current.until = data.since
        session.flush()
    liaison = CompanyLiaison(company=company, user=leader, since=data.since)
    session.add(liaison)
    session.flush()
    return liaison


def liaison_public(liaison: CompanyLiaison) -> LiaisonPublic:
    return LiaisonPublic(
        id=liaison.id,
        leader=liaison.user.username,
        leader_name=liaison.user.full_name or liaison.user.username,
        since=liaison.since,
        until=liaison.until,
        version=liaison.version,
    )


# --- plans (一企一策) ----------------------------------------------------------------------------


def plans_of(session: Session, company_id: int) -> list[FirmPlan]:
    query = (
        select(FirmPlan)
        .where(FirmPlan.company_id == company_id)
        .options(selectinload(FirmPlan.measures))
        .order_by(FirmPlan.year.desc())
    )
    return list(session.scalars(query))


def get_plan(session: Session, company_id: int, year: int) -> FirmPlan:
    plan = session.scalar(
        select(FirmPlan)
        .where(FirmPlan.company_id == company_id, FirmPlan.year == year)
        .options(selectinload(FirmPlan.measures))
    )
    if plan is None:
        raise NotFound(f"company {company_id} has no plan for {year}")
    return plan


def put_plan(session: Session, company: Company, year: int, data: PlanPut) -> FirmPlan:
    """Write the year's plan whole; an existing plan needs its current ``version``."""
    plan = session.scalar(
        select(FirmPlan).where(FirmPlan.company_id == company.id, FirmPlan.year == year)
    )
    if plan is None:
        plan = FirmPlan(company=company, year=year)
        session.add(plan)
    else:
        if data.version is None:
            raise Invalid("version", f"the {year} plan exists: send its version to change it")
        check_version(plan, data.version, f"plan {year} of company {company.id}")
        plan.touch()
    with session.no_autoflush:
        plan.status = data.status
        plan.summary = data.summary
        plan.measures = [
            PlanMeasure(position=i, **measure.model_dump())
            for i, measure in enumerate(data.measures)
        ]
    session.flush()
    return plan


def create_plan(session: Session, company: Company, year: int, data: PlanPut) -> FirmPlan:
    """A new plan for the year; a year that has one is refused (that one is changed instead)."""
    taken = session.scalar(
        select(FirmPlan.id).where(FirmPlan.company_id == company.id, FirmPlan.year == year)
    )
    if taken is not None:
        raise Conflict(f"{year}年的一企一策已存在，请在该方案上修改")
    return put_plan(session, company, year, data)


def plan_as_put(plan: FirmPlan, version: int) -> PlanPut:
    """The plan as it stands, to change one part of and write back whole with ``put_plan``.

    A stale ``version`` is refused here, before a change looks up a measure by its position.
    """
    check_version(plan, version, f"plan {plan.year} of company {plan.company_id}")
    return PlanPut(
        version=version,
        status=plan.status,
        summary=plan.summary,
        measures=[MeasureIn.model_validate(m, from_attributes=True) for m in plan.measures],
    )


def delete_plan(session: Session, plan: FirmPlan, version: int) -> None:
    check_version(plan, version, f"plan {plan.year} of company {plan.company_id}")
    session.delete(plan)
    session.flush()


def plan_public(plan: FirmPlan) -> PlanPublic:
    return PlanPublic(
        id=plan.id,
        company_id=plan.company_id,
        year=plan.year,
        status=plan.status,
        summary=plan.summary,
        measures=[MeasurePublic.model_validate(m) for m in plan.measures],
        version=plan.version,
    )


def company_ladder(session: Session, company: Company) -> CompanyLadder:
    liaisons = liaisons_of(session, company.id)
    current = next((li for li in liaisons if li.until is None), None)
    return CompanyLadder(
        company_id=company.id,
        company=company.name,
        tiers=[tier_public(e) for e in tiers_of(session, company.id)],
        liaison=liaison_public(current) if current else None,
        liaison_history=[liaison_public(li) for li in liaisons],
        plans=[plan_public(p) for p in plans_of(session, company.id)],
    )
