"""Chain-gap progress: which gaps our signings are closing, month by month."""

import calendar
from collections import defaultdict
from datetime import date

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session, aliased

from crm.chains.models import Chain, Segment
from crm.companies.models import Company, company_segment
from crm.dashboard.schemas import ChainGap, ChainMonth, ChainProgress
from crm.leads.models import RANK, Lead, Stage
from crm.projects.models import Project

MONTHS = 12


def chain_progress(session: Session, *, today: date | None = None) -> list[ChainProgress]:
    """Per chain: completeness now and at each of the last 12 month ends.

    A leaf counts as covered when a local company works in it (SPEC §4), or from the month
    the first project in it was signed. Open gaps are leaves covered by neither, with the
    number of open leads pursuing each.
    """
    today = today or date.today()
    leaves = _leaves(session)
    local = _local_counts(session)
    first_signed = _first_signing(session)
    open_leads = _open_leads(session)
    projects = _projects_per_chain(session)
    month_ends = _month_ends(today)
    result = []
    for chain_code, chain_name, chain_leaves in _by_chain(leaves):
        total = len(chain_leaves)

        def covered(on: date, leaves=chain_leaves) -> int:
            return sum(
                1
                for seg_id, _, _ in leaves
                if local.get(seg_id, 0) > 0 or (first_signed.get(seg_id) or date.max) <= on
            )

        by_locals = sum(1 for seg_id, _, _ in chain_leaves if local.get(seg_id, 0) > 0)
        gaps = [
            ChainGap(code=code, name=name, open_leads=open_leads.get(seg_id, 0))
            for seg_id, code, name in chain_leaves
            if local.get(seg_id, 0) == 0 and (first_signed.get(seg_id) or date.max) > today
        ]
        gaps.sort(key=lambda g: (-g.open_leads, g.code))
        result.append(
            ChainProgress(
                chain=chain_code,
                name=chain_name,
                leaves=total,
                completeness=_share(covered(today), total),
                completeness_by_local_firms=_share(by_locals, total),
                months=[
                    ChainMonth(
                        month=end.strftime("%Y-%m"), completeness=_share(covered(end), total)
                    )
                    for end in month_ends
                ],
                open_gaps=gaps,
                signed_projects=projects.get(chain_code, 0),
            )
        )
    return result


def _share(part: int, whole: int) -> float:
    return round(part / whole, 3) if whole else 0.0


def _month_ends(today: date) -> list[date]:
    ends = []
    year, month = today.year, today.month
    for _ in range(MONTHS):
        ends.append(date(year, month, calendar.monthrange(year, month)[1]))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return list(reversed(ends))


def _leaves(session: Session) -> list[tuple]:
    child = aliased(Segment)
    return session.execute(
        select(Chain.code, Chain.name, Segment.id, Segment.code, Segment.name)
        .join(Segment, Segment.chain_id == Chain.id)
        .where(~exists().where(child.parent_id == Segment.id))
        .order_by(Chain.code, Segment.position, Segment.id)
    ).all()


def _by_chain(leaves: list[tuple]):
    grouped: dict[tuple[str, str], list] = defaultdict(list)
    for chain_code, chain_name, seg_id, code, name in leaves:
        grouped[(chain_code, chain_name)].append((seg_id, code, name))
    for (chain_code, chain_name), items in grouped.items():
        yield chain_code, chain_name, items


def _local_counts(session: Session) -> dict[int, int]:
    return dict(
        session.execute(
            select(company_segment.c.segment_id, func.count(func.distinct(Company.id)))
            .join(Company, Company.id == company_segment.c.company_id)
            .where(Company.is_local.is_(True))
            .group_by(company_segment.c.segment_id)
        ).all()
    )


def _first_signing(session: Session) -> dict[int, date]:
    return dict(
        session.execute(
            select(Lead.segment_id, func.min(Project.signed_on))
            .join(Project, Project.lead_id == Lead.id)
            .group_by(Lead.segment_id)
        ).all()
    )


def _open_leads(session: Session) -> dict[int, int]:
    open_stages = [s for s, rank in RANK.items() if rank < RANK[Stage.signed]]
    return dict(
        session.execute(
            select(Lead.segment_id, func.count())
            .where(Lead.stage.in_(open_stages))
            .group_by(Lead.segment_id)
        ).all()
    )


def _projects_per_chain(session: Session) -> dict[str, int]:
    return dict(
        session.execute(
            select(Chain.code, func.count(Project.id))
            .join(Segment, Segment.chain_id == Chain.id)
            .join(Lead, Lead.segment_id == Segment.id)
            .join(Project, Project.lead_id == Lead.id)
            .group_by(Chain.code)
        ).all()
    )
