"""The ladder's reports, aggregated in SQL: the tier pyramid with the year's moves, progress
against the yearly targets, the firms of a tier and each city leader's firms."""

from datetime import date, datetime

from sqlalchemy import Select, and_, case, exists, func, select
from sqlalchemy.orm import Session, aliased

from crm.auth.models import User
from crm.chains.models import Chain, Segment
from crm.companies.models import Company, Park, company_segment
from crm.ladder.models import (
    TIER_ORDER,
    CompanyLiaison,
    CompanyTier,
    FirmPlan,
    Tier,
    TierTarget,
)
from crm.ladder.schemas import (
    LeaderFirm,
    LeaderFirms,
    Pyramid,
    PyramidRow,
    TargetsPublic,
    TierFirm,
    TierTargetProgress,
)
from crm.listing import Page
from crm.tickets.models import OPEN_STATUSES, Ticket


def year_end(year: int, today: date) -> date:
    """The day a year's figures stand at: its last day, or today for the running year."""
    return min(date(year, 12, 31), today) if year >= today.year else date(year, 12, 31)


def _rank(tier_column):
    return case({tier.value: rank for tier, rank in TIER_ORDER.items()}, value=tier_column)


def _counts(session: Session, query: Select) -> dict[Tier, int]:
    return {Tier(tier): count for tier, count in session.execute(query)}


def entered_counts(session: Session, year: int, as_of: date) -> dict[Tier, int]:
    """Firms that entered each tier during the year (up to ``as_of``)."""
    query = (
        select(CompanyTier.tier, func.count(func.distinct(CompanyTier.company_id)))
        .where(CompanyTier.entered_on.between(date(year, 1, 1), as_of))
        .group_by(CompanyTier.tier)
    )
    return _counts(session, query)


def pyramid(session: Session, year: int, *, today: date) -> Pyramid:
    as_of = year_end(year, today)
    start = date(year, 1, 1)
    current = _counts(
        session,
        select(CompanyTier.tier, func.count(func.distinct(CompanyTier.company_id)))
        .where(
            CompanyTier.entered_on <= as_of,
            (CompanyTier.left_on.is_(None)) | (CompanyTier.left_on > as_of),
        )
        .group_by(CompanyTier.tier),
    )
    entered = entered_counts(session, year, as_of)
    left = _counts(
        session,
        select(CompanyTier.tier, func.count(func.distinct(CompanyTier.company_id)))
        .where(CompanyTier.left_on.between(start, as_of))
        .group_by(CompanyTier.tier),
    )
    lower = aliased(CompanyTier)
    # Entered this year while holding a lower tier (still, or until that day): a move up.
    was_lower = exists().where(
        lower.company_id == CompanyTier.company_id,
        _rank(lower.tier) < _rank(CompanyTier.tier),
        lower.entered_on < CompanyTier.entered_on,
        (lower.left_on.is_(None)) | (lower.left_on >= CompanyTier.entered_on),
    )
    moved_up = _counts(
        session,
        select(CompanyTier.tier, func.count(func.distinct(CompanyTier.company_id)))
        .where(CompanyTier.entered_on.between(start, as_of), was_lower)
        .group_by(CompanyTier.tier),
    )
    targets = target_map(session, year)
    rows = [
        PyramidRow(
            tier=tier,
            current=current.get(tier, 0),
            entered=entered.get(tier, 0),
            left=left.get(tier, 0),
            moved_up=moved_up.get(tier, 0),
            target=targets.get(tier),
        )
        for tier in reversed(Tier)  # the top of the pyramid first
    ]
    return Pyramid(year=year, as_of=as_of, rows=rows)


# --- targets -----------------------------------------------------------------------------------


def target_map(session: Session, year: int) -> dict[Tier, int]:
    query = select(TierTarget.tier, TierTarget.firms).where(TierTarget.year == year)
    return {Tier(tier): firms for tier, firms in session.execute(query)}


def put_targets(session: Session, year: int, targets: dict[Tier, int]) -> None:
    """Set the year's targets of the tiers given; the others keep theirs."""
    rows = {t.tier: t for t in session.scalars(select(TierTarget).where(TierTarget.year == year))}
    for tier, firms in targets.items():
        row = rows.get(tier)
        if row is None:
            session.add(TierTarget(year=year, tier=tier, firms=firms))
        elif row.firms != firms:
            row.firms = firms
    session.flush()


def targets(session: Session, year: int, *, today: date) -> TargetsPublic:
    set_targets = target_map(session, year)
    entered = entered_counts(session, year, year_end(year, today))
    return TargetsPublic(
        year=year,
        items=[
            TierTargetProgress(
                tier=tier, target=set_targets.get(tier), entered=entered.get(tier, 0)
            )
            for tier in Tier
        ],
    )


# --- firms of a tier ---------------------------------------------------------------------------


def _current_liaison():
    return aliased(CompanyLiaison)


def tier_firms_query(
    *,
    today: date,
    tier: Tier | None = None,
    park: str | None = None,
    chain: str | None = None,
    year: int | None = None,
    liaison: str | None = None,
    q: str | None = None,
) -> Select:
    """(entry, company name, park name, liaison username, plan status) rows: the entries
    current now, or at the end of ``year``."""
    as_of = year_end(year, today) if year else today
    contact = _current_liaison()
    leader = aliased(User)
    plan = aliased(FirmPlan)
    query = (
        select(CompanyTier, Company.name, Park.name, leader.username, plan.status)
        .join(Company, Company.id == CompanyTier.company_id)
        .outerjoin(Park, Park.id == Company.park_id)
        .outerjoin(contact, and_(contact.company_id == Company.id, contact.until.is_(None)))
        .outerjoin(leader, leader.id == contact.user_id)
        .outerjoin(plan, and_(plan.company_id == Company.id, plan.year == as_of.year))
        .where(
            CompanyTier.entered_on <= as_of,
            (CompanyTier.left_on.is_(None)) | (CompanyTier.left_on > as_of),
        )
    )
    if tier:
        query = query.where(CompanyTier.tier == tier)
    if park:
        query = query.where(Park.name == park)
    if chain:
        query = query.where(
            exists().where(
                company_segment.c.company_id == Company.id,
                company_segment.c.segment_id.in_(
                    select(Segment.id).join(Chain).where(Chain.code == chain)
                ),
            )
        )
    if liaison:
        query = query.where(leader.username == liaison)
    if q:
        query = query.where(Company.name.contains(q, autoescape=True))
    return query.order_by(_rank(CompanyTier.tier).desc(), Company.name, CompanyTier.id)


def tier_firms(session: Session, *, page: Page | None, **filters) -> tuple[list[TierFirm], int]:
    query = tier_firms_query(**filters)
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    if page is not None:
        query = query.limit(page.limit).offset(page.offset)
    items = [
        TierFirm(
            company_id=entry.company_id,
            company=name,
            park=park,
            tier=entry.tier,
            entered_on=entry.entered_on,
            left_on=entry.left_on,
            source_document=entry.source_document,
            liaison=leader,
            plan_status=status,
        )
        for entry, name, park, leader, status in session.execute(query)
    ]
    return items, total


# --- each city leader's firms ------------------------------------------------------------------


def leader_firms(
    session: Session, *, now: datetime, year: int, first: str | None = None
) -> list[LeaderFirms]:
    """Every active city leader with the firms they keep in touch with now: current tiers,
    the year's plan status, open and overdue tickets. ``first``: this username leads."""
    leaders = list(
        session.scalars(
            select(User)
            .where(User.city_leader.is_(True), User.is_active.is_(True))
            .order_by(User.username)
        )
    )
    if first:
        leaders.sort(key=lambda u: u.username != first)
    today = now.date()
    open_count = (
        select(func.count(Ticket.id))
        .where(Ticket.company_id == CompanyLiaison.company_id, Ticket.status.in_(OPEN_STATUSES))
        .scalar_subquery()
    )
    overdue_count = (
        select(func.count(Ticket.id))
        .where(
            Ticket.company_id == CompanyLiaison.company_id,
            Ticket.status.in_(OPEN_STATUSES),
            Ticket.due_at < now,
        )
        .scalar_subquery()
    )
    rows = session.execute(
        select(
            CompanyLiaison.user_id,
            Company.id,
            Company.name,
            FirmPlan.status,
            open_count,
            overdue_count,
        )
        .join(Company, Company.id == CompanyLiaison.company_id)
        .outerjoin(FirmPlan, and_(FirmPlan.company_id == Company.id, FirmPlan.year == year))
        .where(CompanyLiaison.until.is_(None))
        .order_by(Company.name)
    ).all()
    tiers: dict[int, list[Tier]] = {}
    for company_id, tier in session.execute(
        select(CompanyTier.company_id, CompanyTier.tier)
        .where(
            CompanyTier.company_id.in_([r[1] for r in rows]),
            CompanyTier.entered_on <= today,
            CompanyTier.left_on.is_(None),
        )
        .order_by(CompanyTier.company_id)
    ):
        tiers.setdefault(company_id, []).append(Tier(tier))
    by_leader: dict[int, list[LeaderFirm]] = {}
    for user_id, company_id, name, status, open_n, overdue_n in rows:
        by_leader.setdefault(user_id, []).append(
            LeaderFirm(
                company_id=company_id,
                company=name,
                tiers=sorted(tiers.get(company_id, []), key=TIER_ORDER.__getitem__, reverse=True),
                plan_status=status,
                open_tickets=open_n,
                overdue_tickets=overdue_n,
            )
        )
    return [
        LeaderFirms(
            leader=u.username, leader_name=u.full_name or u.username, firms=by_leader.get(u.id, [])
        )
        for u in leaders
    ]
