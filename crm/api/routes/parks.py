from typing import Annotated

from fastapi import APIRouter, Query, Response

from crm.api.deps import DbSession, PageParams
from crm.companies import parks
from crm.companies.schemas import ParkCreate, ParkPublic, ParkUpdate
from crm.listing import ListResult

router = APIRouter(prefix="/parks", tags=["parks"])


@router.get("", response_model=ListResult[ParkPublic])
def list_parks(session: DbSession, page: PageParams, q: Annotated[str | None, Query()] = None):
    items, total = parks.list_parks(session, q=q, page=page)
    return {"items": parks.publics(session, items), "total": total}


@router.post("", response_model=ParkPublic, status_code=201)
def create_park(data: ParkCreate, session: DbSession):
    return parks.publics(session, [parks.create(session, data)])[0]


@router.get("/{park_id}", response_model=ParkPublic)
def get_park(park_id: int, session: DbSession):
    return parks.publics(session, [parks.get(session, park_id)])[0]


@router.patch("/{park_id}", response_model=ParkPublic)
def update_park(park_id: int, data: ParkUpdate, session: DbSession):
    return parks.publics(session, [parks.update(session, parks.get(session, park_id), data)])[0]


@router.delete("/{park_id}", status_code=204)
def delete_park(park_id: int, session: DbSession) -> Response:
    parks.delete(session, parks.get(session, park_id))
    return Response(status_code=204)
