"""标准地 admission thresholds per park or industry (chain), and which one applies to a site."""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from crm.chains import service as chain_service
from crm.companies import parks as park_service
from crm.errors import Invalid, NotFound
from crm.parks.models import StandardLandThreshold
from crm.parks.schemas import ThresholdPublic, ThresholdPut


@dataclass(frozen=True)
class Thresholds:
    """Every threshold row, to find the one for (park, chain) without a query per site."""

    rows: dict[tuple[int | None, int | None], StandardLandThreshold]

    def applying(self, park_id: int, chain_id: int | None) -> StandardLandThreshold | None:
        """The most specific row: park and chain, then the park's, then the chain's."""
        for key in ((park_id, chain_id), (park_id, None), (None, chain_id)):
            if key[0] is None and key[1] is None:
                continue
            row = self.rows.get(key)
            if row is not None:
                return row
        return None


def load(session: Session) -> Thresholds:
    rows = session.scalars(select(StandardLandThreshold))
    return Thresholds({(row.park_id, row.chain_id): row for row in rows})


def list_thresholds(session: Session) -> list[StandardLandThreshold]:
    return list(
        session.scalars(
            select(StandardLandThreshold)
            .options(
                selectinload(StandardLandThreshold.park), selectinload(StandardLandThreshold.chain)
            )
            .order_by(StandardLandThreshold.park_id, StandardLandThreshold.chain_id)
        )
    )


def put(session: Session, data: ThresholdPut) -> StandardLandThreshold:
    """Set the thresholds of a park, a chain, or a park and chain (created when new)."""
    if data.park is None and data.chain is None:
        raise Invalid("park", "name a park, a chain (industry), or both")
    park_id = park_service.require(session, data.park).id if data.park else None
    chain_id = None
    if data.chain:
        chain_id = chain_service.chain_ids_by_code(session, [data.chain], field="chain")[data.chain]
    row = session.scalar(
        select(StandardLandThreshold).where(
            _is(StandardLandThreshold.park_id, park_id),
            _is(StandardLandThreshold.chain_id, chain_id),
        )
    )
    if row is None:
        row = StandardLandThreshold(park_id=park_id, chain_id=chain_id)
        session.add(row)
    row.investment_per_mu = data.investment_per_mu
    row.tax_per_mu = data.tax_per_mu
    row.output_per_mu = data.output_per_mu
    session.flush()
    return row


def delete(session: Session, threshold_id: int) -> None:
    row = session.get(StandardLandThreshold, threshold_id)
    if row is None:
        raise NotFound(f"threshold {threshold_id} not found")
    session.delete(row)
    session.flush()


def public(row: StandardLandThreshold) -> ThresholdPublic:
    return ThresholdPublic(
        id=row.id,
        park=row.park.name if row.park else None,
        chain=row.chain.code if row.chain else None,
        investment_per_mu=row.investment_per_mu,
        tax_per_mu=row.tax_per_mu,
        output_per_mu=row.output_per_mu,
        version=row.version,
    )


def _is(column, value):
    return column.is_(None) if value is None else column == value
