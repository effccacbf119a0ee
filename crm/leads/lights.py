"""Lead lights: how long a lead still being pursued has gone without contact (a stage move
or a done visit), read against thresholds by priority (settings ``lead_light_days``): by
default an A lead turns amber after 30 days and red after 60, B and C after 60 and 90.

The same rules in Python (one lead, for a page or an answer) and in SQL (the list's filter),
both from the day the caller's clock gives (``crm.clock``), so a frozen clock moves them.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from sqlalchemy import ColumnElement, and_, false, or_

from crm.config import DEFAULT_LEAD_LIGHT_DAYS, get_settings
from crm.leads.models import HALTED, RANK, Lead, Priority, Stage

OPEN_STAGES = tuple(s for s, rank in RANK.items() if rank < RANK[Stage.signed])


class Light(StrEnum):
    green = "green"
    amber = "amber"
    red = "red"


@dataclass(frozen=True)
class LightRules:
    days: Mapping[str, tuple[int, int]]  # priority → (amber after, red after)
    pause_after: int

    @classmethod
    def from_settings(cls) -> "LightRules":
        settings = get_settings()
        days = {**DEFAULT_LEAD_LIGHT_DAYS, **settings.lead_light_days}
        return cls(days=days, pause_after=settings.lead_pause_after_days)

    def thresholds(self, priority: Priority | str) -> tuple[int, int]:
        return tuple(self.days[Priority(priority).value])


def is_pursued(stage: Stage) -> bool:
    """Lights are for leads still being pursued; signed leads have project lights."""
    return stage not in HALTED and stage in OPEN_STAGES


def days_quiet(last_contact_on: date | None, today: date) -> int | None:
    return (today - last_contact_on).days if last_contact_on is not None else None


def light_of(
    stage: Stage,
    priority: Priority | str,
    last_contact_on: date | None,
    today: date,
    rules: LightRules | None = None,
) -> Light | None:
    if not is_pursued(stage) or last_contact_on is None:
        return None
    amber, red = (rules or LightRules.from_settings()).thresholds(priority)
    quiet = (today - last_contact_on).days
    if quiet >= red:
        return Light.red
    if quiet >= amber:
        return Light.amber
    return Light.green


def light_condition(light: Light, today: date, rules: LightRules | None = None) -> ColumnElement:
    """The leads showing ``light`` today, as a WHERE condition."""
    rules = rules or LightRules.from_settings()
    by_priority = []
    for priority in Priority:
        amber, red = rules.thresholds(priority)
        amber_from, red_from = today - timedelta(days=amber), today - timedelta(days=red)
        contact = Lead.last_contact_on
        window = {
            Light.red: contact <= red_from,
            Light.amber: and_(contact <= amber_from, contact > red_from),
            Light.green: contact > amber_from,
        }[light]
        by_priority.append(and_(Lead.priority == priority, window))
    return and_(Lead.stage.in_(OPEN_STAGES), or_(false(), *by_priority))


def not_visited_condition(days: int, today: date) -> ColumnElement:
    """Leads still being pursued whose last done visit is ``days`` or more days ago (or that
    were never visited)."""
    return and_(
        Lead.stage.in_(OPEN_STAGES),
        or_(Lead.last_visit_on.is_(None), Lead.last_visit_on <= today - timedelta(days=days)),
    )


def not_moved_condition(days: int, today: date) -> ColumnElement:
    """Leads still being pursued whose stage last changed ``days`` or more days ago."""
    next_day = today - timedelta(days=days - 1)
    before = datetime.combine(next_day, time.min).astimezone()  # local midnight
    return and_(Lead.stage.in_(OPEN_STAGES), Lead.stage_changed_at < before)


# --- pause proposals (crm.leads.pauses) ---------------------------------------------------------


def stale_since(today: date, rules: LightRules | None = None) -> date:
    """The last contact (or renewal) on or before this day makes a lead stale today."""
    return today - timedelta(days=(rules or LightRules.from_settings()).pause_after)


def proposed_condition(today: date, rules: LightRules | None = None) -> ColumnElement[bool]:
    cutoff = stale_since(today, rules)
    return and_(
        Lead.stage.in_(OPEN_STAGES),
        Lead.last_contact_on <= cutoff,
        or_(Lead.pause_renewed_on.is_(None), Lead.pause_renewed_on <= cutoff),
    )


def is_proposed(lead: Lead, today: date, rules: LightRules | None = None) -> bool:
    cutoff = stale_since(today, rules)
    return (
        lead.stage in OPEN_STAGES
        and lead.last_contact_on is not None
        and lead.last_contact_on <= cutoff
        and (lead.pause_renewed_on is None or lead.pause_renewed_on <= cutoff)
    )


def clock_conditions(filters, today: date) -> list[ColumnElement]:
    """The list's clock filters (``LeadFilters``): not visited / not moved for N days, light."""
    conditions = []
    if filters.not_visited_days:
        conditions.append(not_visited_condition(filters.not_visited_days, today))
    if filters.not_moved_days:
        conditions.append(not_moved_condition(filters.not_moved_days, today))
    if filters.light:
        conditions.append(light_condition(Light(filters.light), today))
    if filters.pause_proposed is not None:
        proposed = proposed_condition(today)
        conditions.append(proposed if filters.pause_proposed else ~proposed)
    return conditions
