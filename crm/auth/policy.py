"""Who may do what: the one authorisation policy every route goes through.

Routes are grouped by resource when the API is assembled; reading is open to every signed-in
user (SPEC §1: every role reads the rest), writing is limited per resource below. Rules on
single records (a leader's own task forces, a specialist's own projects) extend ``check``.
"""

from enum import StrEnum

from crm.auth.models import Role, User
from crm.errors import NotPermitted


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
    # Specialists write their own projects and tickets, leaders those of their task forces:
    # the per-record ownership rule is still to come, so for now the role alone decides.
    "projects": PURSUERS | {Role.specialist},
    "tickets": PURSUERS | {Role.specialist},
    "dashboard": frozenset(),
    "targets": OFFICE,
    "audit": frozenset(),
}


def check(user: User, resource: str, action: Action) -> None:
    if user.role == Role.admin:
        return
    if action == Action.read:
        return
    if user.role not in WRITERS.get(resource, frozenset()):
        raise NotPermitted(f"role '{user.role.value}' may not change {resource}")
