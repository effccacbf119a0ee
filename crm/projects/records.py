"""A project as the API shows it: the list's record and the detail."""

from crm.leads.schemas import CompanyRef, TaskForceRef
from crm.projects import greencards
from crm.projects import policy as policy_service
from crm.projects.models import Project
from crm.projects.schemas import (
    Assessment,
    FundingPublic,
    PlanningLink,
    ProjectDetail,
    ProjectPublic,
    SpecialistChangePublic,
)


def investment_in_place(project: Project) -> float:
    return round(sum(entry.amount for entry in project.funding), 2)


def public(project: Project) -> ProjectPublic:
    return ProjectPublic(**_public_fields(project))


def detail(project: Project) -> ProjectDetail:
    return ProjectDetail(
        **_public_fields(project),
        specialist_history=[
            SpecialistChangePublic(
                from_=change.from_user.username if change.from_user else None,
                to=change.to_user.username,
                by=change.by,
                at=change.at,
                reason=change.reason,
            )
            for change in project.specialist_history
        ],
        funding=[
            FundingPublic(
                id=e.id,
                date=e.date,
                amount=e.amount,
                source_region=e.source_region,
                note=e.note,
                by=e.by,
                at=e.at,
            )
            for e in project.funding
        ],
        policy=policy_service.public(project),
    )


def _public_fields(project: Project) -> dict:
    lead = project.lead
    company = lead.company
    assessment = (
        Assessment(
            organisation=project.assessment_org,
            date=project.assessment_date,
            conclusion=project.assessment_conclusion,
            attachment=project.assessment_url,
        )
        if project.assessment_org
        else None
    )
    return {
        "id": project.id,
        "lead_id": lead.id,
        "company": CompanyRef(
            id=company.id, name=company.name, city=company.city, province=company.province
        ),
        "segment": f"{lead.segment.chain.code}:{lead.segment.code}",
        "chain": lead.segment.chain.code,
        "task_force": TaskForceRef(id=lead.task_force.id, name=lead.task_force.name)
        if lead.task_force
        else None,
        "park": project.park.name if project.park else None,
        "stage": lead.stage,
        "specialist": project.specialist.username,
        "name": project.name,
        "agreement_type": project.agreement_type,
        "investor_origin": project.investor_origin,
        "fixed_asset_investment": project.fixed_asset_investment,
        "county": project.county,
        "county_code": project.county_code,
        "signed_investment": project.signed_investment,
        "investment_in_place": investment_in_place(project),
        "jobs_planned": project.jobs_planned,
        "jobs_created": project.jobs_created,
        "signed_on": project.signed_on,
        "land_on": project.land_on,
        "construction_started_on": project.construction_started_on,
        "production_started_on": project.production_started_on,
        "construction_start_inferred": project.construction_start_inferred,
        "assessment": assessment,
        "planning_links": [PlanningLink(**link) for link in project.planning_links or []],
        "notes": project.notes,
        "policy_totals": policy_service.totals(project.incentives),
        "green_card": greencards.public(project.green_card) if project.green_card else None,
        "version": project.version,
        "created_at": project.created_at,
        "updated_at": project.updated_at,
    }
