"""Projects: the list ``/projects`` and a project's page ``/projects/{id}`` with its edits
(milestones, policy package, funding in place, specialist, tickets), over the same services
and the same policy as the API."""

from fastapi import APIRouter

from crm.pages.projects import detail, edits, listing

router = APIRouter(include_in_schema=False)
router.include_router(listing.router)
router.include_router(detail.router)
router.include_router(edits.router)
