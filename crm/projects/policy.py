"""The policy package (一策) of a project: incentives and which were honoured (兑现).

The package belongs to the project: every change carries the project's version and bumps it.
"""

from collections.abc import Iterable

from sqlalchemy.orm import Session

from crm.errors import Invalid, NotFound
from crm.projects.models import Incentive, IncentiveType, Project
from crm.projects.schemas import (
    IncentiveIn,
    IncentivePatch,
    IncentivePublic,
    PolicyPublic,
    PolicyPut,
    PolicyTotals,
)
from crm.updates import check_version


def replace(session: Session, project: Project, data: PolicyPut) -> Project:
    """Make the package what ``data`` says: listed ids are updated, new incentives added,
    the ones left out removed."""
    _check_version(project, data.version)
    existing = {incentive.id: incentive for incentive in project.incentives}
    kept: list[Incentive] = []
    for index, item in enumerate(data.incentives):
        if item.id is None:
            incentive = Incentive()
        elif item.id in existing:
            incentive = existing.pop(item.id)
        else:
            raise Invalid(("incentives", index, "id"), f"no incentive {item.id} in this project")
        _apply(incentive, item.model_dump(exclude={"id"}), field=("incentives", index))
        incentive.position = index
        kept.append(incentive)
    project.incentives = kept
    project.touch()
    session.flush()
    return project


def update_incentive(
    session: Session, project: Project, incentive_id: int, data: IncentivePatch
) -> Project:
    _check_version(project, data.version)
    incentive = next((i for i in project.incentives if i.id == incentive_id), None)
    if incentive is None:
        raise NotFound(f"incentive {incentive_id} not found in project {project.id}")
    changes = data.model_dump(exclude_unset=True, exclude={"version"})
    if "type" in changes and changes["type"] is None:
        raise Invalid("type", "type may not be null")
    merged = {
        "type": incentive.type,
        "amount": incentive.amount,
        "conditions": incentive.conditions,
        "honoured_at": incentive.honoured_at,
        "honoured_amount": incentive.honoured_amount,
        "compliance": incentive.compliance,
        **changes,
    }
    _apply(incentive, merged, field=())
    project.touch()
    session.flush()
    return project


def _apply(incentive: Incentive, values: dict, *, field: tuple) -> None:
    if values["honoured_amount"] is not None and values["honoured_at"] is None:
        raise Invalid((*field, "honoured_at"), "an honoured amount needs the date it was honoured")
    incentive.type = values["type"]
    incentive.amount = values["amount"]
    incentive.conditions = values["conditions"]
    incentive.honoured_at = values["honoured_at"]
    incentive.honoured_amount = values["honoured_amount"]
    incentive.compliance = values.get("compliance")


def totals(incentives: Iterable[Incentive]) -> PolicyTotals:
    by_type = dict.fromkeys(IncentiveType, 0.0)
    count = honoured_count = 0
    amount = honoured_amount = 0.0
    for incentive in incentives:
        count += 1
        by_type[incentive.type] += incentive.amount or 0
        amount += incentive.amount or 0
        if incentive.honoured_at is not None:
            honoured_count += 1
            honoured_amount += incentive.honoured_amount or 0
    return PolicyTotals(
        count=count,
        amount=round(amount, 2),
        by_type={kind: round(value, 2) for kind, value in by_type.items()},
        honoured_count=honoured_count,
        honoured_amount=round(honoured_amount, 2),
    )


def public(project: Project) -> PolicyPublic:
    return PolicyPublic(
        incentives=[
            IncentivePublic(
                id=i.id,
                type=i.type,
                amount=i.amount,
                conditions=i.conditions,
                honoured=i.honoured_at is not None,
                honoured_at=i.honoured_at,
                honoured_amount=i.honoured_amount,
                compliance=i.compliance,
            )
            for i in project.incentives
        ],
        totals=totals(project.incentives),
    )


def _check_version(project: Project, version: int) -> None:
    check_version(project, version, f"project {project.id}")


def add_incentive(
    session: Session, project: Project, item: IncentiveIn, *, version: int
) -> Project:
    """Append one incentive to the package, through :func:`replace` (same rules, same version)."""
    return replace(session, project, PolicyPut(version=version, incentives=[*_kept(project), item]))


def remove_incentive(
    session: Session, project: Project, incentive_id: int, *, version: int
) -> Project:
    """Drop one incentive from the package, through :func:`replace`."""
    kept = _kept(project)
    if not any(item.id == incentive_id for item in kept):
        raise NotFound(f"incentive {incentive_id} not found in project {project.id}")
    remaining = [item for item in kept if item.id != incentive_id]
    return replace(session, project, PolicyPut(version=version, incentives=remaining))


def _kept(project: Project) -> list[IncentiveIn]:
    return [
        IncentiveIn(
            id=i.id,
            type=i.type,
            amount=i.amount,
            conditions=i.conditions,
            honoured_at=i.honoured_at,
            honoured_amount=i.honoured_amount,
            compliance=i.compliance,
        )
        for i in project.incentives
    ]
