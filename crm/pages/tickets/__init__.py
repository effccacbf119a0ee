"""The ticket pages: queue, escalations, raising a ticket, one ticket with its actions.

The fixed paths (``/tickets/new``, ``/tickets/escalations``) come before ``/tickets/{id}``.
"""

from fastapi import APIRouter

from crm.pages.tickets import detail, escalations, new, queue

router = APIRouter(include_in_schema=False)
router.include_router(queue.router)
router.include_router(escalations.router)
router.include_router(new.router)
router.include_router(detail.router)
