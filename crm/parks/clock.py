"""The idle-land clock (闲置土地): when a supplied plot becomes suspected idle, what fee is due,
when reclaim is proposed, and the sweep that applies those marks.

A plot's idle time counts from its contracted construction start when it has not started, or
from the day work stopped when it is built below ``built_ratio`` or invested below
``invested_ratio``. A delay of the government's own making stops the clock: the days it lasted
are added to every mark, and while one lasts no mark is reached. At ``months`` the plot is
suspected idle and the fee (``fee_rate`` of the land price) is due; at ``reclaim_months``
reclaim is proposed. Marks are dated on the day they fall, whenever the sweep runs.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.config import Settings
from crm.db import take_write_lock
from crm.parks.models import LandPlot, PlotStatus
from crm.parks.plots import record_status

SWEEP_ACTOR = "system:idle-land-clock"
# Statuses the clock moves to suspected idle, and those whose reclaim it proposes.
CLOCKED = (PlotStatus.supplied, PlotStatus.started)
IDLE = (PlotStatus.idle_suspected, PlotStatus.idle_confirmed, PlotStatus.fee_levied)


@dataclass(frozen=True)
class IdleRules:
    months: int = 12
    reclaim_months: int = 24
    fee_rate: float = 0.2
    built_ratio: float = 1 / 3
    invested_ratio: float = 0.25

    @classmethod
    def from_settings(cls, settings: Settings) -> "IdleRules":
        return cls(
            months=settings.idle_land_months,
            reclaim_months=settings.idle_reclaim_months,
            fee_rate=settings.idle_fee_rate,
            built_ratio=settings.idle_built_ratio,
            invested_ratio=settings.idle_invested_ratio,
        )


@dataclass(frozen=True)
class PlotClock:
    """Where a plot stands on the idle clock on ``today``."""

    idle_since: date | None  # None: the clock does not run for this plot
    stopped: bool  # a government-caused delay holds it now
    idle_days: int
    suspected_on: date | None  # the one-year mark (projected while it is ahead)
    reclaim_on: date | None  # the two-year mark
    fee_due: float | None  # 万元, once the one-year mark has passed

    @property
    def running(self) -> bool:
        return self.idle_since is not None and not self.stopped


def idle_since(plot: LandPlot, rules: IdleRules) -> date | None:
    """The day the plot's idle time counts from, or None when it is not lying idle."""
    if plot.status not in (*CLOCKED, *IDLE):
        return None
    if plot.actual_start_on is None:
        return plot.contracted_start_on
    if plot.work_stopped_on is not None and _below_thresholds(plot, rules):
        return plot.work_stopped_on
    return None


def _below_thresholds(plot: LandPlot, rules: IdleRules) -> bool:
    built = plot.built_ratio is not None and plot.built_ratio < rules.built_ratio
    invested = plot.invested_ratio is not None and plot.invested_ratio < rules.invested_ratio
    return built or invested


def clock_of(plot: LandPlot, rules: IdleRules, today: date) -> PlotClock:
    since = idle_since(plot, rules)
    if since is None:
        return PlotClock(None, plot.government_delay, 0, None, None, None)
    held = plot.government_delay_days
    if plot.government_delay and plot.government_delay_since is not None:
        held += max(0, (today - plot.government_delay_since).days)
    delay = timedelta(days=held)
    suspected_on = since + relativedelta(months=rules.months) + delay
    reclaim_on = since + relativedelta(months=rules.reclaim_months) + delay
    idle_days = max(0, (today - since).days - held)
    fee = None
    if not plot.government_delay and today >= suspected_on and plot.price is not None:
        fee = round(plot.price * rules.fee_rate, 4)
    return PlotClock(since, plot.government_delay, idle_days, suspected_on, reclaim_on, fee)


def sweep(session: Session, rules: IdleRules, today: date) -> int:
    """Apply every mark reached by ``today``; returns how many plots changed. Idempotent: a
    second sweep on the same day finds nothing to do. Runs before the land lists are read and
    from ``crm land sweep``."""
    due = _due_ids(session, rules, today)
    if not due:
        return 0
    take_write_lock(session, "land_plot")
    locked = select(LandPlot).where(LandPlot.id.in_(due)).with_for_update(skip_locked=True)
    changed = 0
    actor = session.info.get("actor")
    session.info["actor"] = SWEEP_ACTOR
    try:
        for plot in session.scalars(locked.execution_options(populate_existing=True)):
            changed += _apply_marks(session, plot, rules, today)
        session.flush()
    finally:
        session.info["actor"] = actor
    return changed


def _due_ids(session: Session, rules: IdleRules, today: date) -> list[int]:
    candidates = session.scalars(
        select(LandPlot).where(
            LandPlot.status.in_((*CLOCKED, *IDLE)), LandPlot.government_delay.is_(False)
        )
    )
    return [plot.id for plot in candidates if _marks_due(plot, rules, today)]


def _marks_due(plot: LandPlot, rules: IdleRules, today: date) -> bool:
    clock = clock_of(plot, rules, today)
    if not clock.running:
        return False
    if plot.status in CLOCKED:
        return today >= clock.suspected_on
    return plot.reclaim_proposed_on is None and today >= clock.reclaim_on


def _apply_marks(session: Session, plot: LandPlot, rules: IdleRules, today: date) -> int:
    if not _marks_due(plot, rules, today):
        return 0  # another sweep got there first
    clock = clock_of(plot, rules, today)
    if plot.status in CLOCKED:
        # A plot supplied after its mark had passed (entered late) is suspected from then.
        on = max(clock.suspected_on, plot.status_on or clock.suspected_on)
        record_status(
            session,
            plot,
            PlotStatus.idle_suspected,
            on=on,
            by=SWEEP_ACTOR,
            note=f"{rules.months} months idle since {clock.idle_since.isoformat()}",
        )
        plot.idle_suspected_on = on
        plot.fee_due = clock.fee_due
        plot.fee_due_on = on if clock.fee_due is not None else None
    if today >= clock.reclaim_on and plot.reclaim_proposed_on is None:
        plot.reclaim_proposed_on = clock.reclaim_on
    return 1
