"""Who is told of late work, and who may send a 督办 note: the leader of the task force pursuing
a project's lead (first level), the 链长 of the lead's chain or else the city leaders (second
level)."""

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.auth import service as auth_service
from crm.auth.models import User
from crm.chains.models import Chain, Segment
from crm.errors import Invalid
from crm.leads.models import Lead
from crm.projects.models import Project
from crm.taskforces.models import TaskForce


@dataclass(frozen=True)
class ProjectLeaders:
    task_force_leader_id: int | None
    chain_leader_id: int | None
    specialist_id: int


def project_leaders_query():
    """project id, task force leader id, 链长 id, specialist id; one row per project."""
    return (
        select(Project.id, TaskForce.leader_id, Chain.leader_user_id, Project.specialist_id)
        .join(Lead, Project.lead_id == Lead.id)
        .join(Segment, Lead.segment_id == Segment.id)
        .join(Chain, Segment.chain_id == Chain.id)
        .outerjoin(TaskForce, Lead.task_force_id == TaskForce.id)
    )


def project_leaders(session: Session, project_ids: Iterable[int]) -> dict[int, ProjectLeaders]:
    ids = set(project_ids)
    if not ids:
        return {}
    rows = session.execute(project_leaders_query().where(Project.id.in_(ids)))
    return {pid: ProjectLeaders(tf, chain, spec) for pid, tf, chain, spec in rows}


def city_leader_ids(session: Session) -> list[int]:
    """The active users flagged 市领导, in a stable order."""
    query = select(User.id).where(User.city_leader.is_(True), User.is_active.is_(True))
    return list(session.scalars(query.order_by(User.id)))


def second_level_recipients(chain_leader_id: int | None, city_leaders: list[int]) -> list[int]:
    """The chain's 链长 when it has one; otherwise every city leader, so that a chain nobody
    leads still reaches the city's leadership."""
    return [chain_leader_id] if chain_leader_id is not None else city_leaders


def chain_leaders(session: Session) -> list[tuple[Chain, User | None]]:
    chains = list(session.scalars(select(Chain).order_by(Chain.code)))
    ids = {c.leader_user_id for c in chains if c.leader_user_id}
    users = {u.id: u for u in session.scalars(select(User).where(User.id.in_(ids)))} if ids else {}
    return [(chain, users.get(chain.leader_user_id)) for chain in chains]


def set_chain_leader(session: Session, chain: Chain, username: str | None) -> User | None:
    """Name the chain's 链长 (``None``: nobody), an active user."""
    if username is None:
        chain.leader_user_id = None
        chain.touch()
        session.flush()
        return None
    user = auth_service.require_user(session, username, field="username")
    if not user.is_active:
        raise Invalid("username", f"user '{username}' is deactivated")
    chain.leader_user_id = user.id
    chain.touch()
    session.flush()
    return user
