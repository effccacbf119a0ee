"""Plots and factories as the API and pages show them."""

from datetime import date

from crm.parks.clock import IdleRules, clock_of
from crm.parks.models import Factory, LandPlot, PlotStatusChange
from crm.parks.schemas import ClockPublic, FactoryPublic, PlotPublic, PlotStatusChangePublic


def plot_public(
    plot: LandPlot,
    rules: IdleRules,
    today: date,
    history: list[PlotStatusChange] | None = None,
) -> PlotPublic:
    clock = clock_of(plot, rules, today)
    return PlotPublic(
        id=plot.id,
        park_id=plot.park_id,
        park=plot.park.name,
        plot_no=plot.plot_no,
        area_mu=plot.area_mu,
        use=plot.use,
        supply_mode=plot.supply_mode,
        term_years=plot.term_years,
        price=plot.price,
        holder_company_id=plot.holder_id,
        holder=plot.holder.name if plot.holder else None,
        project_id=plot.project_id,
        lead_id=plot.lead_id,
        contracted_start_on=plot.contracted_start_on,
        actual_start_on=plot.actual_start_on,
        built_ratio=plot.built_ratio,
        invested_ratio=plot.invested_ratio,
        work_stopped_on=plot.work_stopped_on,
        status=plot.status,
        status_on=plot.status_on,
        dual_power=plot.dual_power,
        pure_water=plot.pure_water,
        hazardous_chemicals=plot.hazardous_chemicals,
        government_delay=plot.government_delay,
        government_delay_since=plot.government_delay_since,
        idle_suspected_on=plot.idle_suspected_on,
        fee_due=None if plot.government_delay else plot.fee_due,
        fee_due_on=plot.fee_due_on,
        reclaim_proposed_on=plot.reclaim_proposed_on,
        disposal_path=plot.disposal_path,
        notes=plot.notes,
        clock=ClockPublic(
            idle_since=clock.idle_since,
            stopped=clock.stopped,
            idle_days=clock.idle_days,
            suspected_on=clock.suspected_on,
            reclaim_on=clock.reclaim_on,
            fee_due=clock.fee_due,
        ),
        history=None
        if history is None
        else [
            PlotStatusChangePublic(
                from_status=h.from_status, to_status=h.to_status, on=h.on, by=h.by, note=h.note
            )
            for h in history
        ],
        version=plot.version,
    )


def factory_public(factory: Factory) -> FactoryPublic:
    return FactoryPublic(
        id=factory.id,
        park_id=factory.park_id,
        park=factory.park.name,
        building=factory.building,
        floor=factory.floor,
        area_m2=factory.area_m2,
        clear_height_m=factory.clear_height_m,
        floor_load_kn=factory.floor_load_kn,
        dual_power=factory.dual_power,
        pure_water=factory.pure_water,
        clean_room=factory.clean_room,
        hazardous_chemicals=factory.hazardous_chemicals,
        operator=factory.operator,
        mode=factory.mode,
        status=factory.status,
        tenant_company_id=factory.tenant_id,
        tenant=factory.tenant.name if factory.tenant else None,
        project_id=factory.project_id,
        lead_id=factory.lead_id,
        rent=factory.rent,
        notes=factory.notes,
        version=factory.version,
    )
