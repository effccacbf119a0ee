"""Leads on pages: the table ``/leads`` (views, filters, sorting, export) and the lead page
``/leads/{id}`` with its forms (edit, stage move, visits)."""

from fastapi import APIRouter

from crm.pages.leads import actions, lead, presigning, table

router = APIRouter(include_in_schema=False)
router.include_router(table.router)
router.include_router(lead.router)
router.include_router(actions.router)
router.include_router(presigning.router)
