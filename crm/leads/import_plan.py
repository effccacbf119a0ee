"""Planning a lead import: which stored lead each row updates, or which new lead it starts.

A row at the current stage of a stored lead of its company and segment updates that lead
(so an export reads back into its own database); any other row follows the open lead of its
company and segment, or starts a new lead; rows ending in one lead become one plan.
"""

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from crm.chains.models import Segment
from crm.companies.import_write import match_company
from crm.companies.models import Company
from crm.companies.schemas import normalise_name
from crm.importing import ImportReport, RowError, chunks
from crm.leads.import_rows import IMPORTABLE, LeadRow, stage_refusal
from crm.leads.models import Lead, Stage

FILLED = (
    "priority",
    "source",
    "expected_investment",
    "expected_jobs",
    "next_follow_up",
    "notes",
)


@dataclass
class LeadPlan:
    """The rows of a file that end in one lead: a lead already stored, or a new one."""

    company: Company
    segment: Segment
    rows: list[LeadRow] = field(default_factory=list)
    lead: Lead | None = None


def plan_leads(
    session: Session, rows: list[LeadRow], header: dict[str, str], report: ImportReport
) -> tuple[list[LeadPlan], list[LeadRow]]:
    """Match each row to the lead it updates, or to a new one; the plans and the good rows.

    A row whose stage is a stored lead's current stage (same company and segment) updates
    that lead, the most recent one if several are (one the row already describes first):
    so an export reads back into its own database, lost, paused and signed leads included.
    Any other row follows the open lead of its company and segment, or starts a new lead;
    it may only name a stage before signing. Rows ending in the same lead become one plan.
    """
    _attach_companies(session, rows)
    stored = _stored_leads(session, rows)
    plans: dict[tuple, LeadPlan] = {}
    good = []
    for row in rows:
        leads = stored.get((row.company.id, row.segment.id), []) if row.company.id else []
        stage = row.data.stage
        at_stage = [lead for lead in leads if lead.stage == stage]
        if at_stage:
            lead = max(at_stage, key=lambda lead: (_describes(row, lead), lead.id))
        elif stage is not None and stage not in IMPORTABLE:
            column = header.get("stage")
            report.errors.append(RowError(row=row.row, column=column, message=stage_refusal(stage)))
            continue
        else:
            lead = _open_lead(leads)
        key = ("lead", lead.id) if lead else ("new", row.company, row.segment.id)
        if key not in plans:
            plans[key] = LeadPlan(company=row.company, segment=row.segment, lead=lead)
        plans[key].rows.append(row)
        good.append(row)
    return list(plans.values()), good


def _describes(row: LeadRow, lead: Lead) -> bool:
    """Whether the lead already holds every value the row gives (an unedited export row)."""
    given = row.data.model_dump(exclude_unset=True, include=set(FILLED))
    if any(getattr(lead, name) != value for name, value in given.items()):
        return False
    if row.task_force is not None and lead.task_force_id != row.task_force.id:
        return False
    if row.park is not None and lead.park_id != row.park.id:
        return False
    return row.owner is None or lead.owner_id == row.owner.id


def _attach_companies(session: Session, rows: list[LeadRow]) -> None:
    """Find each row's company (credit code, else normalised name) or make a new one.

    New companies are not added yet; rows naming the same new company share one object.
    """
    by_code, by_name = _stored_companies(session, rows)
    for row in rows:
        data = row.data
        company = match_company(data.company, data.credit_code, by_code, by_name)
        if company is None:
            company = Company(
                name=data.company,
                name_key=normalise_name(data.company),
                credit_code=data.credit_code,
                city=data.city,
                is_local=False,
            )
        if data.credit_code:
            by_code.setdefault(data.credit_code, company)
        by_name.setdefault(company.name_key, company)
        row.company = company


def _stored_companies(
    session: Session, rows: list[LeadRow]
) -> tuple[dict[str, Company], dict[str, Company]]:
    codes = sorted({row.data.credit_code for row in rows if row.data.credit_code})
    names = sorted({normalise_name(row.data.company) for row in rows})
    by_code: dict[str, Company] = {}
    by_name: dict[str, Company] = {}
    for chunk in chunks(codes):
        for company in session.scalars(select(Company).where(Company.credit_code.in_(chunk))):
            by_code[company.credit_code] = company
    for chunk in chunks(names):
        query = select(Company).where(Company.name_key.in_(chunk)).order_by(Company.id)
        for company in session.scalars(query):
            by_name.setdefault(company.name_key, company)
    return by_code, by_name


def _stored_leads(session: Session, rows: list[LeadRow]) -> dict[tuple[int, int], list[Lead]]:
    """``{(company id, segment id): [lead, …]}``, every stage, for the rows' stored companies."""
    company_ids = sorted({row.company.id for row in rows if row.company.id is not None})
    segment_ids = {row.segment.id for row in rows}
    found: dict[tuple[int, int], list[Lead]] = {}
    for chunk in chunks(company_ids):
        query = (
            select(Lead)
            .where(Lead.company_id.in_(chunk), Lead.segment_id.in_(segment_ids))
            .options(selectinload(Lead.history))
            .order_by(Lead.id)
        )
        for lead in session.scalars(query):
            found.setdefault((lead.company_id, lead.segment_id), []).append(lead)
    return found


def _open_lead(leads: list[Lead]) -> Lead | None:
    """The lead a row without a stage match updates: one still open (not lost, not
    producing); a lead in the pipeline wins over a paused one, then the newest."""
    candidates = [lead for lead in leads if lead.stage not in (Stage.lost, Stage.producing)]
    return max(candidates, key=_preference, default=None)


def _preference(lead: Lead) -> tuple[bool, int]:
    return (lead.stage != Stage.paused, lead.id)
