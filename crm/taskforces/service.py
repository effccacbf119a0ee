"""Task forces (招商专班), department groups (招商组) and off-site centres (驻外中心)."""

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from crm.auth import service as auth_service
from crm.auth.models import User
from crm.chains import service as chain_service
from crm.chains.models import Chain
from crm.errors import Conflict, Invalid, NotFound
from crm.listing import Page, contains, fetch_page
from crm.taskforces.models import TaskForce, TaskForceKind
from crm.taskforces.schemas import TaskForceCreate, TaskForcePublic, TaskForceUpdate
from crm.updates import check_version, refuse_nulls

_LOAD = (
    selectinload(TaskForce.leader),
    selectinload(TaskForce.members),
    selectinload(TaskForce.focus_chains),
)


def get(session: Session, task_force_id: int) -> TaskForce:
    task_force = session.get(TaskForce, task_force_id, options=_LOAD)
    if task_force is None:
        raise NotFound(f"task force {task_force_id} not found")
    return task_force


def require(session: Session, task_force_id: int, *, field: str = "task_force_id") -> TaskForce:
    """The task force a request names, or a 422 naming the field."""
    task_force = session.get(TaskForce, task_force_id)
    if task_force is None:
        raise Invalid(field, f"unknown task force {task_force_id}")
    return task_force


def list_task_forces(
    session: Session,
    *,
    page: Page,
    q: str | None = None,
    kind: TaskForceKind | None = None,
    member: str | None = None,
) -> tuple[list[TaskForce], int]:
    query = select(TaskForce).options(*_LOAD).order_by(TaskForce.id)
    if q:
        query = query.where(contains(TaskForce.name, q))
    if kind:
        query = query.where(TaskForce.kind == kind)
    if member:
        query = query.where(
            TaskForce.members.any(User.username == member)
            | TaskForce.leader.has(User.username == member)
        )
    return fetch_page(session, query, page)


def public(task_force: TaskForce, lead_counts: dict[str, int]) -> TaskForcePublic:
    return TaskForcePublic(
        id=task_force.id,
        name=task_force.name,
        kind=task_force.kind,
        leader=task_force.leader.username if task_force.leader else None,
        members=[user.username for user in task_force.members],
        focus_chains=[chain.code for chain in task_force.focus_chains],
        base_city=task_force.base_city,
        description=task_force.description,
        lead_counts=lead_counts,
        version=task_force.version,
    )


def create(session: Session, data: TaskForceCreate) -> TaskForce:
    _refuse_taken_name(session, data.name)
    task_force = TaskForce(
        name=data.name, kind=data.kind, base_city=data.base_city, description=data.description
    )
    _apply_people_and_chains(session, task_force, data.model_dump())
    session.add(task_force)
    session.flush()
    return task_force


def update(session: Session, task_force: TaskForce, data: TaskForceUpdate) -> TaskForce:
    check_version(task_force, data.version, f"task force {task_force.id}")
    changes = data.model_dump(exclude_unset=True, exclude={"version"})
    refuse_nulls(changes, "name", "kind", "members", "focus_chains")
    if "name" in changes and changes["name"] != task_force.name:
        _refuse_taken_name(session, changes["name"])
    with session.no_autoflush:
        _apply_people_and_chains(session, task_force, changes)
        for key in ("name", "kind", "base_city", "description"):
            if key in changes:
                setattr(task_force, key, changes[key])
        task_force.touch()
    session.flush()
    return task_force


def _apply_people_and_chains(session: Session, task_force: TaskForce, values: dict) -> None:
    if "leader" in values:
        leader = values["leader"]
        task_force.leader = (
            auth_service.require_user(session, leader, field="leader") if leader else None
        )
    if values.get("members") is not None:
        task_force.members = [
            auth_service.require_user(session, username, field="members")
            for username in dict.fromkeys(values["members"])
        ]
    if values.get("focus_chains") is not None:
        ids = chain_service.chain_ids_by_code(session, values["focus_chains"], field="focus_chains")
        task_force.focus_chains = (
            list(session.scalars(select(Chain).where(Chain.id.in_(ids.values())))) if ids else []
        )


def _refuse_taken_name(session: Session, name: str) -> None:
    if session.scalar(select(TaskForce.id).where(TaskForce.name == name)) is not None:
        raise Conflict(f"task force '{name}' already exists")


def people_of(session: Session, task_force_id: int) -> list[User]:
    """The leader and the members of a task force: who may own its leads."""
    task_force = session.get(
        TaskForce,
        task_force_id,
        options=[selectinload(TaskForce.leader), selectinload(TaskForce.members)],
    )
    if task_force is None:
        return []
    people = ([task_force.leader] if task_force.leader else []) + list(task_force.members)
    return list({person.id: person for person in people}.values())


def all_names(session: Session) -> list[tuple[int, str]]:
    """Every task force as (id, name), by name: the choices of a form."""
    rows = session.execute(select(TaskForce.id, TaskForce.name).order_by(TaskForce.name))
    return [(row.id, row.name) for row in rows]
