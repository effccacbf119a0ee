"""What a lead prepared before signing goes to its project at signing: the specialist (taken
from the lead when the signing move names none), the think-tank assessment, the planning links
and the policy package once approved.

A draft package stays on the lead and is not copied: an unapproved incentive is a negotiating
position, not a commitment the project's 一策 may show as agreed. The project's policy can then
be set on the project page, where its own writers decide.
"""

from sqlalchemy.orm import Session

from crm.leads import presigning
from crm.leads.models import Lead
from crm.projects.models import Incentive, IncentiveType, Project


def specialist_for_signing(lead: Lead, named: str | None) -> str | None:
    """The specialist a signing names, else the one the lead already has."""
    if named:
        return named
    return lead.specialist.username if lead.specialist is not None else None


def copy_to_project(session: Session, lead: Lead, project: Project) -> None:
    assessment = presigning.assessment_of(lead)
    if assessment is not None:
        project.assessment_org = assessment.organisation
        project.assessment_date = assessment.date
        project.assessment_conclusion = assessment.conclusion
        project.assessment_url = assessment.attachment
    project.planning_links = [link.model_dump() for link in presigning.links_of(lead)]
    project.incentives = [
        Incentive(
            position=index,
            type=IncentiveType(item.type),
            amount=item.amount,
            conditions=item.conditions,
        )
        for index, item in enumerate(presigning.approved_incentives(lead))
    ]
    session.flush()
