"""Who may do what: the one authorisation policy the API and the pages both go through.

Two layers, both here:

- By role, per resource (``check``): applied to every route when the API is assembled, so a new
  route is guarded by default. Reading is open to every signed-in user (SPEC §1: every role
  reads the rest); writing is limited per resource in ``WRITERS``.
- By record (``may_write_*`` / ``require_write_*``, the ``require_*_fields`` checks and the
  ``writable_*`` SQL conditions): whose lead, visit, project or ticket it is (SPEC §1
  ownership). Admin and staff write every business record; a leader writes those of the task
  forces they lead or belong to; a specialist the projects they are the specialist of and the
  tickets under them or assigned to them; a viewer nothing.

A page asks ``may_write_lead(session, user, lead)`` to decide whether to offer a button and calls
``require_write_lead`` (403 ``NotPermitted``) before it writes, exactly as the API does.
"""

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Select, false, or_, select, true
from sqlalchemy.orm import Session

from crm.auth.models import Role, User
from crm.errors import NotPermitted
from crm.ladder.models import CompanyLiaison
from crm.leads.models import Lead, Visit
from crm.projects.models import GreenCard, Project
from crm.taskforces.models import TaskForce, task_force_member
from crm.tickets.models import Ticket


class Action(StrEnum):
    read = "read"
    write = "write"


OFFICE = frozenset({Role.admin, Role.staff})
PURSUERS = OFFICE | {Role.leader}

WRITERS: dict[str, frozenset[Role]] = {
    "users": frozenset({Role.admin}),
    "chains": OFFICE,
    "companies": OFFICE,
    "parks": OFFICE,
    "taskforces": OFFICE,
    "leads": PURSUERS,
    "visits": PURSUERS,
    "imports": OFFICE,  # whole files of companies and leads
    # Which projects and tickets: the record rules below.
    "projects": PURSUERS | {Role.specialist},
    "tickets": PURSUERS | {Role.specialist},
    # Who may send or answer a 督办 note: the record rules of crm.escalations.notes.
    "escalations": frozenset(Role),
    "workdays": frozenset(),  # closures and 链长: administrators
    "dashboard": frozenset(),
    "targets": OFFICE,
    "figures": OFFICE,  # 亩均: firms' yearly figures, the city's totals
    "evaluation": OFFICE,  # 亩均 schemes, runs, publishing (unpublishing: administrators)
    "ladder": OFFICE,  # tiers, liaisons, plans and tier targets (crm.ladder)
    "audit": frozenset(),
}


def check(user: User, resource: str, action: Action) -> None:
    if user.role == Role.admin:
        return
    if action == Action.read:
        return
    if user.role not in WRITERS.get(resource, frozenset()):
        raise NotPermitted(f"role '{user.role.value}' may not change {resource}")


def is_office(user: User) -> bool:
    """Admin and staff: every business record is theirs to write."""
    return user.role in OFFICE


def require_office(user: User, what: str) -> None:
    if not is_office(user):
        raise NotPermitted(f"only the promotion office {what}")


# --- whose task forces -------------------------------------------------------------------------


def _task_forces_of(user: User) -> tuple[Select, Select]:
    """The ids of the task forces ``user`` leads, and of those they belong to."""
    led = select(TaskForce.id).where(TaskForce.leader_id == user.id)
    joined = select(task_force_member.c.task_force_id).where(task_force_member.c.user_id == user.id)
    return led, joined


def task_force_ids(session: Session, user: User) -> frozenset[int]:
    """The task forces ``user`` leads or belongs to."""
    led, joined = _task_forces_of(user)
    return frozenset(session.scalars(led.union(joined)))


def may_pursue(session: Session, user: User, task_force_id: int | None) -> bool:
    """May ``user`` write the leads (and their visits, projects, tickets) of this task force?
    A lead of no task force is the office's."""
    if is_office(user):
        return True
    if user.role != Role.leader or task_force_id is None:
        return False
    return task_force_id in task_force_ids(session, user)


def _in_own_task_force(column: Any, user: User) -> ColumnElement[bool]:
    led, joined = _task_forces_of(user)
    return or_(column.in_(led), column.in_(joined))


# --- may this user write this record -----------------------------------------------------------


def may_write_lead(session: Session, user: User, lead: Lead) -> bool:
    """Change, delete or move the lead, plan its visits."""
    return may_pursue(session, user, lead.task_force_id)


def may_decide_for_lead(session: Session, user: User, lead: Lead) -> bool:
    """Approve the lead's draft policy package, confirm or renew its pause proposal: the
    office, or the leader (专班组长) of the lead's task force, not its members."""
    if is_office(user):
        return True
    task_force = lead.task_force
    return user.role == Role.leader and task_force is not None and task_force.leader_id == user.id


def require_decide_for_lead(session: Session, user: User, lead: Lead) -> None:
    if not may_decide_for_lead(session, user, lead):
        raise NotPermitted(
            f"only the promotion office or the leader of the lead's task force decides this "
            f"for lead {lead.id}"
        )


def may_write_visit(session: Session, user: User, visit: Visit) -> bool:
    """A visit is its lead's: whoever pursues the lead plans and records its visits."""
    return may_write_lead(session, user, visit.lead)


def may_write_project(session: Session, user: User, project: Project) -> bool:
    """Change the project, its policy package, funding and green card, raise its tickets."""
    if user.role == Role.specialist:
        return project.specialist_id == user.id
    return may_pursue(session, user, project.lead.task_force_id)


def may_verify_milestones(session: Session, user: User, project: Project) -> bool:
    """Accept or reject a project's recorded milestones: the office, or a leader of the
    project's task force; never the specialist who records them."""
    return user.role != Role.specialist and may_pursue(session, user, project.lead.task_force_id)


def require_verify_milestones(session: Session, user: User, project: Project) -> None:
    if not may_verify_milestones(session, user, project):
        raise NotPermitted(
            f"milestones of project {project.id} are verified by the promotion office "
            "or a leader of its task force"
        )


def may_write_ticket(session: Session, user: User, ticket: Ticket) -> bool:
    if user.role == Role.specialist and ticket.assignee_id == user.id:
        return True
    if ticket.project is None:  # a local company's ticket: its assignee and the firm's liaison
        liaison = ticket.liaison
        return is_office(user) or user.id in (
            ticket.assignee_id,
            liaison.user_id if liaison else None,
        )
    return may_write_project(session, user, ticket.project)


def require_write_lead(session: Session, user: User, lead: Lead) -> None:
    if not may_write_lead(session, user, lead):
        raise NotPermitted(f"lead {lead.id} {_not_yours(user)}")


def require_write_visit(session: Session, user: User, visit: Visit) -> None:
    if not may_write_visit(session, user, visit):
        raise NotPermitted(f"visit {visit.id} is of lead {visit.lead_id}, which {_not_yours(user)}")


def require_write_project(session: Session, user: User, project: Project) -> None:
    if not may_write_project(session, user, project):
        raise NotPermitted(f"project {project.id} {_not_yours(user)}")


def require_write_ticket(session: Session, user: User, ticket: Ticket) -> None:
    if not may_write_ticket(session, user, ticket):
        raise NotPermitted(f"ticket {ticket.id} {_not_yours(user)}")


def _not_yours(user: User) -> str:
    if user.role == Role.leader:
        return "is not of a task force you lead or belong to"
    if user.role == Role.specialist:
        return "is not of a project you are the specialist of, nor assigned to you"
    return f"may not be changed by role '{user.role.value}'"


# --- fields a role may not set -----------------------------------------------------------------
# ``changes`` are the fields a request sets (``model_dump(exclude_unset=True)``); a field set to
# the value it already has is no change. A refused field is a 403 naming it, never ignored.


def require_lead_fields(
    session: Session, user: User, changes: Mapping[str, Any], *, lead: Lead | None = None
) -> None:
    """Creating (``lead=None``) or changing a lead: a leader keeps it in a task force of theirs
    (no moving it in from or out to another) and gives it to a person of that task force."""
    if is_office(user):
        return
    task_force_id = lead.task_force_id if lead is not None else None
    if lead is None or _changes(changes, "task_force_id", task_force_id):
        task_force_id = changes.get("task_force_id")
        if not may_pursue(session, user, task_force_id):
            raise NotPermitted(_own_task_force_only(user, "a lead"), field="task_force_id")
    current_owner = lead.owner.username if lead is not None and lead.owner else None
    owner = changes.get("owner")
    if (
        _changes(changes, "owner", current_owner)
        and owner is not None
        and not _is_in_task_force(session, owner, task_force_id)
    ):
        raise NotPermitted(
            "the owner must be the leader or a member of the lead's task force, "
            f"and '{owner}' is neither",
            field="owner",
        )


def require_visit_fields(
    session: Session, user: User, changes: Mapping[str, Any], *, visit: Visit | None = None
) -> None:
    """Creating or changing a visit: a leader books it to a task force of theirs."""
    if is_office(user):
        return
    current = visit.task_force_id if visit is not None else None
    if _changes(changes, "task_force_id", current) and not may_pursue(
        session, user, changes["task_force_id"]
    ):
        raise NotPermitted(_own_task_force_only(user, "a visit"), field="task_force_id")


def require_project_fields(
    session: Session, user: User, project: Project, changes: Mapping[str, Any]
) -> None:
    """Only the office reassigns a project's specialist (a specialist may not take a project,
    nor a leader hand one out)."""
    if is_office(user):
        return
    if _changes(changes, "specialist", project.specialist.username):
        raise NotPermitted(
            "only the promotion office reassigns a project's specialist", field="specialist"
        )


def require_green_card_fields(
    session: Session, user: User, card: GreenCard, changes: Mapping[str, Any]
) -> None:
    """The task force that serves a green card: the office sets any, a leader one of theirs."""
    if is_office(user):
        return
    if _changes(changes, "task_force_id", card.task_force_id) and not may_pursue(
        session, user, changes["task_force_id"]
    ):
        raise NotPermitted(_own_task_force_only(user, "a green card"), field="task_force_id")


def _changes(changes: Mapping[str, Any], field: str, current: Any) -> bool:
    return field in changes and changes[field] != current


def _own_task_force_only(user: User, record: str) -> str:
    if user.role == Role.leader:
        return f"a leader puts {record} only in a task force they lead or belong to"
    return f"role '{user.role.value}' may not set the task force of {record}"


def _is_in_task_force(session: Session, username: str, task_force_id: int | None) -> bool:
    """Is ``username`` the leader or a member of the task force? An unknown username passes,
    so that the service answers it with its 422."""
    person = session.scalar(select(User).where(User.username == username))
    if person is None:
        return True
    return task_force_id is not None and task_force_id in task_force_ids(session, person)


# --- the records a user may write, in SQL (lists with ``mine=true``) --------------------------


def writable_leads(user: User) -> ColumnElement[bool]:
    if is_office(user):
        return true()
    if user.role == Role.leader:
        return _in_own_task_force(Lead.task_force_id, user)
    return false()


def writable_visits(user: User) -> ColumnElement[bool]:
    if is_office(user):
        return true()
    if user.role == Role.leader:
        return Visit.lead_id.in_(select(Lead.id).where(writable_leads(user)))
    return false()


def writable_projects(user: User) -> ColumnElement[bool]:
    if is_office(user):
        return true()
    if user.role == Role.leader:
        return Project.lead_id.in_(select(Lead.id).where(writable_leads(user)))
    if user.role == Role.specialist:
        return Project.specialist_id == user.id
    return false()


def writable_tickets(user: User) -> ColumnElement[bool]:
    if is_office(user):
        return true()
    if user.role in (Role.leader, Role.specialist):
        projects = Ticket.project_id.in_(select(Project.id).where(writable_projects(user)))
        local = Ticket.company_id.is_not(None) & or_(
            Ticket.assignee_id == user.id,
            Ticket.liaison.has(CompanyLiaison.user_id == user.id),
        )
        if user.role == Role.specialist:
            return or_(projects, Ticket.assignee_id == user.id, local)
        return or_(projects, local)
    return false()
