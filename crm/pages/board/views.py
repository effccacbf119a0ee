"""Board page handlers: the columns, the move form and the move itself.

A move goes through ``crm.pipeline.service.move_stage``, as ``POST /api/leads/{id}/stage``
does, after the policy's ``require_write_lead``; the board offers move controls only on the
cards the policy's ``writable_leads`` condition lets the user move.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.api.deps import DbSession, RequestTime
from crm.auth import policy
from crm.auth.models import Role, User
from crm.companies.models import Park
from crm.errors import Conflict, Invalid, NotPermitted
from crm.leads import board as lead_board
from crm.leads import service as lead_service
from crm.leads.models import HALTED, PIPELINE, Lead, Stage
from crm.leads.schemas import StageMove
from crm.pages.deps import PageUser
from crm.pages.forms import FormRejected, field_errors, form_values, see_other
from crm.pages.refusals import refusal_text
from crm.pages.templating import render
from crm.pipeline import service as pipeline
from crm.taskforces import service as task_force_service
from crm.taskforces.models import TaskForce

router = APIRouter(include_in_schema=False)

CARDS_PER_STAGE = 20
MOVE_FIELDS = ("stage", "reason", "note", "specialist", "investment", "park", "version")
LeadId = Annotated[int, Path(ge=1, le=2**31 - 1)]
Target = Stage | Literal["resume"]


class BoardQuery(BaseModel):
    task_force: int | None = Field(None, ge=1, le=2**31 - 1)


def board_query(request: Request) -> BoardQuery:
    """``?task_force=`` (the "all units" choice of the form) means every unit."""
    values = {k: v for k, v in request.query_params.items() if v != "" and k == "task_force"}
    try:
        return BoardQuery.model_validate(values)
    except ValidationError as error:
        raise RequestValidationError(error.errors(include_url=False)) from None


def board_url(task_force: Any) -> str:
    """The board to return to: the unit's, when the move was made from it."""
    if task_force is not None and str(task_force).isdigit():
        return f"/leads/board?{urlencode({'task_force': task_force})}"
    return "/leads/board"


@router.get("/leads/board")
def board_page(
    request: Request,
    session: DbSession,
    user: PageUser,
    now: RequestTime,
    query: Annotated[BoardQuery, Depends(board_query)],
):
    chosen = task_force_service.get(session, query.task_force) if query.task_force else None
    columns = lead_board.board_columns(
        session,
        now=now,
        per_stage=CARDS_PER_STAGE,
        task_force_id=query.task_force,
        movable=policy.writable_leads(user),
    )
    context = {
        "columns": [c for c in columns if not c.halted],
        "halted": [c for c in columns if c.halted],
        "task_forces": session.execute(
            select(TaskForce.id, TaskForce.name).order_by(TaskForce.kind, TaskForce.name)
        ).all(),
        "chosen": chosen,
        "may_move_some": user.role in policy.PURSUERS,
        "read_only_leader": user.role == Role.leader,
        "board_stages": lead_board.BOARD_STAGES,
        "pipeline": PIPELINE,
    }
    return render(request, "board/board.html", context, block="board")


@router.get("/leads/board/move/{lead_id}")
def move_form(
    request: Request,
    session: DbSession,
    user: PageUser,
    lead_id: LeadId,
    stage: Annotated[Target, Query()],
    task_force: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
):
    """The form a move needs (a reason, the signing terms), or why it cannot be made."""
    lead = _movable_lead(session, user, lead_id)
    errors: dict[str, str] = {}
    needs: dict[str, str | None] = {}
    try:
        needs = pipeline.move_needs(session, lead, stage)
    except (Invalid, Conflict) as refusal:
        errors = field_errors(request.state.lang, refusal)
    context = _move_context(request, session, lead, stage, needs, task_force=task_force)
    context.update(errors=errors, refused=bool(errors), values={})
    return render(request, "board/move.html", context, block="move_form")


@router.post("/leads/board/move/{lead_id}")
async def move_lead(
    request: Request, session: DbSession, user: PageUser, now: RequestTime, lead_id: LeadId
):
    values = await form_values(request)
    lead = _movable_lead(session, user, lead_id)
    fields = {key: values[key] for key in MOVE_FIELDS if key in values}
    with _refused_move(request, session, lead_id, values):
        move = StageMove.model_validate(fields)
        project_id = pipeline.move_stage(session, lead, move, user, now=now)
    if move.stage == Stage.signed and project_id is not None:
        return see_other(request, f"/projects/{project_id}")
    return see_other(request, board_url(values.get("task_force")))


def _movable_lead(session: Session, user: User, lead_id: int) -> Lead:
    lead = lead_service.get(session, lead_id, with_history=True)
    policy.require_write_lead(session, user, lead)
    return lead


@contextmanager
def _refused_move(
    request: Request, session: Session, lead_id: int, values: dict[str, Any]
) -> Iterator[None]:
    """On refusal: roll back and answer with the move form, the message beside its field."""
    try:
        yield
    except (ValidationError, Invalid, Conflict, NotPermitted) as error:
        errors = field_errors(request.state.lang, error)
        session.rollback()
        lead = lead_service.get(session, lead_id)
        stage = _stage_or_none(values.get("stage"))
        needs = _needs_after_refusal(session, lead, stage, errors)
        context = _move_context(
            request, session, lead, stage, needs, task_force=values.get("task_force")
        )
        context.update(errors=errors, refused=not needs, values=values)
        status = 422 if isinstance(error, ValidationError) else error.status_code
        response = render(
            request, "board/move.html", context, block="move_form", status_code=status
        )
        raise FormRejected(response) from error


def _stage_or_none(value: Any) -> Target | None:
    if value == "resume":
        return "resume"
    return Stage(value) if value in Stage.__members__ else None


def _needs_after_refusal(
    session: Session, lead: Lead, stage: Target | None, errors: dict[str, str]
) -> dict[str, str | None]:
    """The fields to ask for again: those the move needs, when it can be made at all."""
    if stage is None:
        return {}
    try:
        return pipeline.move_needs(session, lead, stage)
    except (Invalid, Conflict):
        return {}


def _move_context(
    request: Request,
    session: Session,
    lead: Lead,
    stage: Target | None,
    needs: dict[str, str | None],
    *,
    task_force: Any,
) -> dict[str, Any]:
    why = needs.get("reason")
    context: dict[str, Any] = {
        "why_reason": refusal_text(request.state.lang, why) if why else None,
        "lead": lead,
        "stage": stage,
        "needs": needs,
        "targets": move_targets(lead),
        "task_force": task_force if task_force is not None and str(task_force).isdigit() else None,
        "back": board_url(task_force),
    }
    if "signing" in needs:
        context["specialists"] = signing_specialists(session)
        context["parks"] = list(session.scalars(select(Park.name).order_by(Park.name)))
    return context


def move_targets(lead: Lead) -> list[Target]:
    """The stages a card's menu offers: every other one (the rules answer the rest), and
    ``resume`` for a paused or lost lead."""
    targets: list[Target] = [s for s in lead_board.BOARD_STAGES if s != lead.stage]
    return ["resume", *targets] if lead.stage in HALTED else targets


def signing_specialists(session: Session) -> list[tuple[str, str]]:
    """(username, name) of the active specialists, by name."""
    rows = session.execute(
        select(User.username, User.full_name)
        .where(User.role == Role.specialist, User.is_active.is_(True))
        .order_by(User.full_name, User.username)
    )
    return [(username, full_name or username) for username, full_name in rows]
