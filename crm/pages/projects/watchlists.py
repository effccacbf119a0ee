"""``/projects/lights``: how many projects are amber and red, 逾期未开工 and in each 三未 list,
each count a link to the project list filtered on it."""

from fastapi import APIRouter, Request

from crm.api.deps import AppSettings, DbSession, RequestTime
from crm.clock import local_date
from crm.pages.deps import PageUser
from crm.pages.templating import render
from crm.projects import lights

router = APIRouter()


@router.get("/projects/lights")
def watchlists_page(
    request: Request, session: DbSession, user: PageUser, now: RequestTime, settings: AppSettings
):
    limits = lights.cutoffs(local_date(now), settings)
    context = {
        "counts": lights.watchlist_counts(session, limits),
        "watchlists": list(lights.Watchlist),
        "settings": settings,
    }
    return render(request, "projects/lights.html", context)
