"""Projects: the list ``/projects`` and a project's page ``/projects/{id}`` with its edits
(overview, assessment, planning links, milestones, policy package, funding in place,
specialist, green card, tickets), over the same services and the same policy as the API."""

from fastapi import APIRouter

from crm.pages.projects import card, detail, edits, facts, listing, plan, watchlists

router = APIRouter(include_in_schema=False)
router.include_router(listing.router)
router.include_router(watchlists.router)
router.include_router(detail.router)
router.include_router(edits.router)
router.include_router(facts.router)
router.include_router(card.router)
router.include_router(plan.router)
