"""What a lead's stage form offers: the moves ``service.plan_move`` would accept."""

from typing import Literal

from crm.errors import Invalid
from crm.leads.models import HALTED, PIPELINE, RANK, Lead, Stage
from crm.leads.service import plan_move


def move_options(lead: Lead) -> list[tuple[Stage | Literal["resume"], bool]]:
    """The moves ``plan_move`` would accept from the lead's stage, each with whether it
    needs a reason, so a form offers only those and marks the reason where the rules ask."""
    options: list[tuple[Stage | Literal["resume"], bool]] = []
    candidates: list[Stage | Literal["resume"]] = [*PIPELINE, *sorted(HALTED), "resume"]
    for target in candidates:
        try:
            plan_move(lead, target, "—")
        except Invalid:
            continue
        try:
            plan_move(lead, target, None)
            needs_reason = False
        except Invalid as error:
            needs_reason = error.field == "reason"
        options.append((target, needs_reason))
    return options


def signs_when_moved_to(lead: Lead, target: Stage | Literal["resume"]) -> bool:
    """Would this move be the lead's signing (which creates its project)?"""
    return target == Stage.signed and lead.highest_rank < RANK[Stage.signed]
