"""``crm escalations sweep`` (for cron: record the escalations due by now) and
``crm tickets recompute-due`` (after upgrading the holiday calendar or changing the SLA)."""

import typer

from crm.cli.common import unit_of_work
from crm.clock import system_clock
from crm.config import get_settings
from crm.escalations.sweep import sweep
from crm.tickets.sla import SlaRules, reschedule_open_tickets

escalations_app = typer.Typer(help="督办: escalations of overdue work.")
tickets_app = typer.Typer(help="Service tickets.")


@escalations_app.command("sweep")
def sweep_escalations() -> None:
    """Record every escalation due by now; running it again records nothing new."""
    with unit_of_work() as session:
        recorded = sweep(session, now=system_clock())
    typer.echo(f"recorded {recorded} escalations")


@tickets_app.command("recompute-due")
def recompute_due() -> None:
    """Recompute the due times of the open tickets on the current working-day calendar."""
    with unit_of_work() as session:
        moved = reschedule_open_tickets(session, SlaRules.from_settings(get_settings()))
    typer.echo(f"{moved} open tickets have a new due time")
