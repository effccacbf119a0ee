"""The yearly plan (一企一策) on a company's page: create a year's plan, change its status and
summary, add a measure, move a measure on, remove one.

Each form changes one part of the plan and the page writes the plan back whole through
``ladder_service.put_plan``, as ``PUT /api/companies/{id}/plans/{year}`` does, so the rules
and the version check are the API's. A form posts ``_form`` (its name on the page), so a
refusal is shown beside the form that was sent.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from crm.api.deps import DbSession, RequestTime
from crm.auth.models import User
from crm.auth.policy import Action, check
from crm.errors import NotFound
from crm.fields import InputModel, LongText
from crm.ladder import service as ladder_service
from crm.ladder.models import MeasureStatus, PlanStatus
from crm.ladder.schemas import MeasureIn, PlanPut, Year
from crm.pages.deps import PageUser
from crm.pages.forms import form_values, see_other
from crm.pages.ladder import Id, company_form

router = APIRouter(include_in_schema=False)

PlanYear = Annotated[int, Path(ge=2000, le=2100)]
Position = Annotated[int, Path(ge=0, le=99)]


class NewPlanForm(InputModel):
    year: Year
    status: PlanStatus = PlanStatus.draft
    summary: LongText | None = None


class PlanHeadForm(InputModel):
    version: int
    status: PlanStatus
    summary: LongText | None = None


class MeasureForm(MeasureIn):
    version: int


class MeasureStatusForm(InputModel):
    version: int
    status: MeasureStatus


class PlanVersionForm(InputModel):
    version: int


def _fields(values: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if key != "_form"}


@dataclass
class PlanEdit:
    """One posted change to a company's plan, with what the request brings."""

    request: Request
    session: Session
    user: User
    now: datetime

    async def create(self, company_id: int) -> Response:
        check(self.user, "ladder", Action.write)
        values = await form_values(self.request)
        company = ladder_service.get_company(self.session, company_id)
        with company_form(self.request, self.session, company_id, self.now, values):
            form = NewPlanForm.model_validate(_fields(values))
            data = PlanPut(status=form.status, summary=form.summary)
            ladder_service.create_plan(self.session, company, form.year, data)
        return see_other(self.request, f"/companies/{company_id}#plan-{form.year}")

    async def change(
        self,
        company_id: int,
        year: int,
        form_model: type[InputModel],
        change: Callable[[PlanPut, Any], None],
    ) -> Response:
        """Validate the form (field errors first), then apply ``change`` to the plan as it
        stands at the posted version, and write it back."""
        check(self.user, "ladder", Action.write)
        values = await form_values(self.request)
        plan = ladder_service.get_plan(self.session, company_id, year)
        stale_record = ("firm_plan", plan.id)
        with company_form(self.request, self.session, company_id, self.now, values, stale_record):
            form = form_model.model_validate(_fields(values))
            whole = ladder_service.plan_as_put(plan, form.version)
            change(whole, form)
            ladder_service.put_plan(self.session, plan.company, year, whole)
        return see_other(self.request, f"/companies/{company_id}#plan-{year}")


def plan_edit(request: Request, session: DbSession, user: PageUser, now: RequestTime) -> PlanEdit:
    return PlanEdit(request, session, user, now)


Edit = Annotated[PlanEdit, Depends(plan_edit)]


def _check_position(plan: PlanPut, position: int) -> None:
    if position >= len(plan.measures):
        raise NotFound(f"the {len(plan.measures)} measures of the plan have no position {position}")


@router.post("/companies/{company_id}/ladder/plans")
async def add_plan(edit: Edit, company_id: Id):
    return await edit.create(company_id)


@router.post("/companies/{company_id}/ladder/plans/{year}")
async def change_plan(edit: Edit, company_id: Id, year: PlanYear):
    def status_and_summary(plan: PlanPut, form: PlanHeadForm) -> None:
        plan.status, plan.summary = form.status, form.summary

    return await edit.change(company_id, year, PlanHeadForm, status_and_summary)


@router.post("/companies/{company_id}/ladder/plans/{year}/measures")
async def add_measure(edit: Edit, company_id: Id, year: PlanYear):
    def append(plan: PlanPut, form: MeasureForm) -> None:
        plan.measures.append(MeasureIn.model_validate(form.model_dump(exclude={"version"})))

    return await edit.change(company_id, year, MeasureForm, append)


@router.post("/companies/{company_id}/ladder/plans/{year}/measures/{position}")
async def change_measure(edit: Edit, company_id: Id, year: PlanYear, position: Position):
    def move_on(plan: PlanPut, form: MeasureStatusForm) -> None:
        _check_position(plan, position)
        plan.measures[position].status = form.status

    return await edit.change(company_id, year, MeasureStatusForm, move_on)


@router.post("/companies/{company_id}/ladder/plans/{year}/measures/{position}/delete")
async def remove_measure(edit: Edit, company_id: Id, year: PlanYear, position: Position):
    def remove(plan: PlanPut, form: PlanVersionForm) -> None:
        _check_position(plan, position)
        del plan.measures[position]

    return await edit.change(company_id, year, PlanVersionForm, remove)
