"""Planning a lead import: which stored lead each row updates, or which new lead it starts.

A row at the current stage of a stored lead of its company and segment updates that lead
(so an export reads back into its own database); any other row follows the open lead of its
company and segment, or starts a new lead; rows ending in one lead become one plan.

Stored companies and leads are read as plain values, not ORM objects, for one batch of a
file's rows at a time (``crm.leads.importer``); ``crm.leads.import_write`` then writes the
batch with Core statements.
"""

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.chains.models import Segment
from crm.companies.import_write import match_company
from crm.companies.models import Company
from crm.companies.schemas import normalise_name
from crm.db import btree_lookups
from crm.importing import ImportReport, RowError, chunks
from crm.leads.import_rows import IMPORTABLE, CompanyRef, LeadRow, stage_refusal
from crm.leads.models import Lead, Stage

FILLED = (
    "priority",
    "source",
    "expected_investment",
    "expected_jobs",
    "next_follow_up",
    "notes",
)
# What a stored lead's merge and stage move read and may write.
LEAD_STATE = (
    "id",
    "version",
    "company_id",
    "segment_id",
    "stage",
    "left_stage",
    "halt_reason",
    "highest_rank",
    "stage_changed_at",
    "task_force_id",
    "owner_id",
    "park_id",
    "last_visit_on",
    "last_contact_on",
    *FILLED,
)


@dataclass(eq=False)
class StoredLead:
    """A stored lead as plain values (``LEAD_STATE``); the names of those the import sets."""

    values: dict[str, Any]
    changed: set[str] = field(default_factory=set)

    @property
    def id(self) -> int:
        return self.values["id"]

    @property
    def stage(self) -> Stage:
        return self.values["stage"]

    @property
    def left_stage(self) -> Stage | None:
        return self.values["left_stage"]

    @property
    def highest_rank(self) -> int:
        return self.values["highest_rank"]

    def set(self, name: str, value: Any) -> None:
        if self.values[name] != value:
            self.values[name] = value
            self.changed.add(name)


@dataclass
class LeadPlan:
    """The rows of a file that end in one lead: a lead already stored, or a new one."""

    company: CompanyRef
    segment: Segment
    rows: list[LeadRow] = field(default_factory=list)
    lead: StoredLead | None = None


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


def _describes(row: LeadRow, lead: StoredLead) -> bool:
    """Whether the lead already holds every value the row gives (an unedited export row)."""
    stored = lead.values
    given = row.data.model_dump(exclude_unset=True, include=set(FILLED))
    if any(stored[name] != value for name, value in given.items()):
        return False
    if row.task_force is not None and stored["task_force_id"] != row.task_force.id:
        return False
    if row.park is not None and stored["park_id"] != row.park.id:
        return False
    return row.owner is None or stored["owner_id"] == row.owner.id


def _attach_companies(session: Session, rows: list[LeadRow]) -> None:
    """Find each row's company (credit code, else normalised name) or make a new one.

    New companies are not written yet; rows naming the same new company share one reference.
    """
    by_code, by_name = _stored_companies(session, rows)
    for row in rows:
        data = row.data
        company = match_company(data.company, data.credit_code, by_code, by_name)
        if company is None:
            company = CompanyRef(
                name_key=normalise_name(data.company),
                credit_code=data.credit_code,
                name=data.company,
                city=data.city,
            )
        if data.credit_code:
            by_code.setdefault(data.credit_code, company)
        by_name.setdefault(company.name_key, company)
        row.company = company


def _stored_companies(
    session: Session, rows: list[LeadRow]
) -> tuple[dict[str, CompanyRef], dict[str, CompanyRef]]:
    codes = sorted({row.data.credit_code for row in rows if row.data.credit_code})
    names = sorted({normalise_name(row.data.company) for row in rows})
    found: dict[int, CompanyRef] = {}
    by_code: dict[str, CompanyRef] = {}
    by_name: dict[str, CompanyRef] = {}
    columns = (Company.id, Company.name_key, Company.credit_code)
    with btree_lookups(session):
        for chunk in chunks(codes):
            for id_, name_key, code in session.execute(
                select(*columns).where(Company.credit_code.in_(chunk))
            ):
                company = found.setdefault(id_, CompanyRef(name_key, code, id=id_))
                by_code[code] = company
        for chunk in chunks(names):
            query = select(*columns).where(Company.name_key.in_(chunk)).order_by(Company.id)
            for id_, name_key, code in session.execute(query):
                company = found.setdefault(id_, CompanyRef(name_key, code, id=id_))
                by_name.setdefault(name_key, company)
    return by_code, by_name


def _stored_leads(session: Session, rows: list[LeadRow]) -> dict[tuple[int, int], list[StoredLead]]:
    """``{(company id, segment id): [lead, …]}``, every stage, for the rows' stored companies."""
    company_ids = sorted({row.company.id for row in rows if row.company.id is not None})
    segment_ids = {row.segment.id for row in rows}
    columns = [getattr(Lead, name) for name in LEAD_STATE]
    found: dict[tuple[int, int], list[StoredLead]] = {}
    for chunk in chunks(company_ids):
        query = (
            select(*columns)
            .where(Lead.company_id.in_(chunk), Lead.segment_id.in_(segment_ids))
            .order_by(Lead.id)
        )
        for stored in session.execute(query).mappings():
            key = (stored["company_id"], stored["segment_id"])
            found.setdefault(key, []).append(StoredLead(values=dict(stored)))
    return found


def _open_lead(leads: list[StoredLead]) -> StoredLead | None:
    """The lead a row without a stage match updates: one still open (not lost, not
    producing); a lead in the pipeline wins over a paused one, then the newest."""
    candidates = [lead for lead in leads if lead.stage not in (Stage.lost, Stage.producing)]
    return max(candidates, key=_preference, default=None)


def _preference(lead: StoredLead) -> tuple[bool, int]:
    return (lead.stage != Stage.paused, lead.id)
