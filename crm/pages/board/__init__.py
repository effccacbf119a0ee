"""The stage board: ``/leads/board`` (``?task_force=ID`` for one unit's leads) and the move
of a card, ``/leads/board/move/{lead_id}`` (the form, and the post that moves)."""

from crm.pages.board.views import router

__all__ = ["router"]
