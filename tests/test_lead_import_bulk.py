"""The lead import's Core writing (``crm.leads.import_write``) against what the ORM wrote:
the same lead columns (defaults included), the same stage-history rows, ``highest_rank``,
``stage_changed_at`` and the lead's clock; optimistic locking kept for merged leads; one
audit entry; and all-or-nothing across write batches."""

import datetime as dt

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm.exc import StaleDataError

from crm.audit import AuditEntry, set_actor
from crm.chains.models import Segment
from crm.clock import local_date
from crm.companies.models import Company
from crm.db import transaction
from crm.leads import import_write, importer
from crm.leads import service as lead_service
from crm.leads.import_write import BATCH, IMPORT_NOTE
from crm.leads.models import RANK, Lead, Priority, Source, Stage, StageChange
from tests.factories import chain_file, company
from tests.test_company_import import csv_text

HEADERS = ["企业名称", "所属环节", "优先级", "线索来源", "预计投资(万元)", "阶段", "备注"]
BY = "importer"
# Each new lead the file makes: its rows, then what the ORM path made of them.
FILE = [
    ["东湖显示有限公司", "new-display:panel", "A", "展会", "1000", "", "首次"],
    ["西湖背光有限公司", "new-display:panel", "", "", "", "已接洽", ""],
    ["南湖玻璃有限公司", "new-display:glass-substrate", "C", "", "", "已拜访", ""],
    ["北湖液晶有限公司", "new-display:liquid-crystal", "", "referral", "", "洽谈中", "谈判"],
    # row 2's company and segment again: the same lead, taken on to negotiating
    ["西湖背光有限公司", "new-display:panel", "B", "", "300", "negotiating", "再谈"],
]
EXPECTED = {  # company: (stage, priority, source, expected_investment, notes)
    "东湖显示有限公司": (Stage.identified, Priority.A, Source.exhibition, 1000.0, "首次"),
    "西湖背光有限公司": (Stage.negotiating, Priority.B, Source.other, 300.0, "再谈"),
    "南湖玻璃有限公司": (Stage.visited, Priority.C, Source.other, None, None),
    "北湖液晶有限公司": (Stage.negotiating, Priority.B, Source.referral, None, "谈判"),
}
TIMES = ("id", "created_at", "updated_at", "stage_changed_at")


@pytest.fixture
def chain(staff):
    assert staff.post("/api/chains", json=chain_file()).status_code == 201
    park = {"name": "高新区", "level": "national", "leading_chains": ["new-display"]}
    assert staff.post("/api/parks", json=park).status_code == 201


def run_import(db, content: bytes, **options):
    with transaction(db) as session:
        set_actor(session, "office")
        return importer.import_leads(session, content, "leads.csv", by=BY, **options)


def lead_rows(session) -> dict[str, dict]:
    """Every lead's columns, by company name."""
    query = select(Lead.__table__, Company.name.label("company_name")).join(
        Company, Company.id == Lead.company_id
    )
    return {row["company_name"]: dict(row) for row in session.execute(query).mappings()}


def history_rows(session) -> dict[int, list[dict]]:
    found: dict[int, list[dict]] = {}
    query = select(StageChange.__table__).order_by(StageChange.id)
    for row in session.execute(query).mappings():
        found.setdefault(row["lead_id"], []).append(dict(row))
    return found


def orm_twin(session, imported: dict, expected: tuple) -> tuple[dict, list[dict]]:
    """The lead the ORM path wrote for the same rows (``Lead`` with its defaults, then
    ``record_move``), flushed in a savepoint that is rolled back: its columns and history."""
    stage, priority, source, investment, notes = expected
    segment = session.get(Segment, imported["segment_id"])
    with session.begin_nested() as savepoint:
        twin = Lead(
            company_id=imported["company_id"],
            segment=segment,
            stage=Stage.identified,
            highest_rank=RANK[Stage.identified],
            priority=priority,
            source=source,
            park=lead_service.default_parks(session).get(segment.chain_id),
            expected_investment=investment,
            notes=notes,
        )
        session.add(twin)
        if stage != Stage.identified:
            target = lead_service.plan_move(twin, stage, None)
            lead_service.record_move(session, twin, target, by=BY, note=IMPORT_NOTE, flush=False)
        session.flush()
        columns = dict(
            session.execute(select(Lead.__table__).where(Lead.id == twin.id)).one()._mapping
        )
        history = history_rows(session).get(twin.id, [])
        savepoint.rollback()
    return columns, history


def test_new_leads_are_written_as_the_orm_wrote_them(chain, db):
    report = run_import(db, csv_text(HEADERS, FILE).encode("utf-8-sig"))
    assert (report.created, report.merged, report.refused) == (4, 1, 0)
    with db() as session:
        leads, history = lead_rows(session), history_rows(session)
        assert set(leads) == set(EXPECTED)
        for name, expected in EXPECTED.items():
            lead = leads.pop(name)
            twin, twin_history = orm_twin(session, lead, expected)
            lead.pop("company_name")
            assert {k: v for k, v in lead.items() if k not in TIMES} == {
                k: v for k, v in twin.items() if k not in TIMES
            }, name
            stage = expected[0]
            assert lead["highest_rank"] == RANK[stage]
            assert lead["created_at"] == lead["updated_at"]
            moves = history.get(lead["id"], [])
            assert [
                (m["from_stage"], m["to_stage"], m["by"], m["note"], m["reason"]) for m in moves
            ] == [
                (t["from_stage"], t["to_stage"], t["by"], t["note"], t["reason"])
                for t in twin_history
            ]
            if stage == Stage.identified:
                assert moves == []
                assert lead["stage_changed_at"] == lead["created_at"]
            else:  # one move, straight from identified, whatever the rows in between
                assert [(m["from_stage"], m["to_stage"]) for m in moves] == [
                    (Stage.identified, stage)
                ]
                assert lead["stage_changed_at"] == moves[0]["at"]
            assert lead["last_contact_on"] == local_date(lead["stage_changed_at"])
            assert lead["park_id"] is not None and lead["planning_links"] == []


def test_stored_leads_move_on_with_version_bumps_and_one_audit_entry(chain, staff, db):
    ids = {}
    for name in ("东湖显示有限公司", "西湖背光有限公司", "南湖玻璃有限公司"):
        created = staff.post("/api/companies", json=company(name)).json()
        body = {"company_id": created["id"], "segment": "new-display:panel"}
        ids[name] = staff.post("/api/leads", json=body).json()["id"]
    contacted = staff.post(
        f"/api/leads/{ids['西湖背光有限公司']}/stage", json={"stage": "contacted"}
    )
    assert contacted.status_code == 200, contacted.text
    lost = {"stage": "lost", "reason": "落户外地"}
    assert staff.post(f"/api/leads/{ids['南湖玻璃有限公司']}/stage", json=lost).status_code == 200
    with db() as session:
        before = lead_rows(session)
        history_before = history_rows(session)
    rows = [
        ["东湖显示有限公司", "new-display:panel", "", "", "", "", ""],  # says nothing new
        ["西湖背光有限公司", "new-display:panel", "A", "", "", "洽谈中", ""],  # moves on
        ["南湖玻璃有限公司", "new-display:panel", "", "", "", "已流失", "另有打算"],  # lost: notes
    ]
    report = run_import(db, csv_text(HEADERS, rows).encode("utf-8-sig"))
    assert (report.created, report.merged) == (0, 3)
    with db() as session:
        after, history = lead_rows(session), history_rows(session)
        entries = session.scalars(select(AuditEntry).where(AuditEntry.entity == "lead")).all()
    assert after["东湖显示有限公司"] == before["东湖显示有限公司"]  # version and updated_at kept

    moved, was = after["西湖背光有限公司"], before["西湖背光有限公司"]
    assert (moved["stage"], moved["priority"], moved["version"]) == (
        Stage.negotiating,
        Priority.A,
        was["version"] + 1,
    )
    assert moved["highest_rank"] == RANK[Stage.negotiating]
    new_moves = history[moved["id"]][len(history_before[moved["id"]]) :]
    assert [(m["from_stage"], m["to_stage"], m["by"], m["note"]) for m in new_moves] == [
        (Stage.contacted, Stage.negotiating, BY, IMPORT_NOTE)
    ]
    assert moved["stage_changed_at"] == new_moves[0]["at"] == moved["updated_at"]
    assert moved["last_contact_on"] == local_date(moved["stage_changed_at"])

    halted, was = after["南湖玻璃有限公司"], before["南湖玻璃有限公司"]
    assert (halted["stage"], halted["notes"], halted["version"]) == (
        Stage.lost,
        "另有打算",
        was["version"] + 1,
    )
    unchanged = ("stage_changed_at", "left_stage", "halt_reason", "highest_rank")
    assert all(halted[name] == was[name] for name in unchanged)
    assert len(history[halted["id"]]) == len(history_before[halted["id"]])

    imported = [entry for entry in entries if entry.action == importer.AUDIT_ACTION]
    assert len(imported) == 1 and imported[0].actor == "office"
    changes = imported[0].changes
    assert changes["created"] == [] and changes["companies_created"] == []
    assert sorted(changes["changed"]) == sorted([moved["id"], halted["id"]])
    assert changes["moved"] == [moved["id"]]


def test_a_lead_changed_after_planning_is_a_stale_write_and_nothing_stays(
    chain, staff, db, table_counts, monkeypatch
):
    created = staff.post("/api/companies", json=company("东湖显示有限公司")).json()
    body = {"company_id": created["id"], "segment": "new-display:panel"}
    assert staff.post("/api/leads", json=body).status_code == 201
    plan = importer.plan_leads

    def plan_then_someone_writes(session, *args):
        planned = plan(session, *args)
        session.execute(update(Lead).values(version=Lead.version + 1))
        return planned

    monkeypatch.setattr(importer, "plan_leads", plan_then_someone_writes)
    before = table_counts()
    rows = [["东湖显示有限公司", "new-display:panel", "A", "", "", "已接洽", ""]]
    with pytest.raises(StaleDataError):
        run_import(db, csv_text(HEADERS, rows).encode("utf-8-sig"))
    assert table_counts() == before


def _long_file(rows: int) -> list[list[str]]:
    """``rows`` new leads, one new company each; every third moved on to contacted."""
    return [
        [
            f"长文件第{n:05d}号有限公司",
            "new-display:panel",
            "",
            "",
            "",
            "已接洽" if n % 3 else "",
            "",
        ]
        for n in range(rows)
    ]


def test_a_failure_in_a_later_batch_leaves_no_lead_history_or_company(
    chain, db, table_counts, monkeypatch
):
    rows = _long_file(BATCH + 60)
    real_insert, calls = import_write._insert_leads, []

    def failing_in_the_second_batch(session, new_rows):
        calls.append(len(new_rows))
        if len(calls) == 2:
            raise RuntimeError("the database went away")
        return real_insert(session, new_rows)

    monkeypatch.setattr(import_write, "_insert_leads", failing_in_the_second_batch)
    before = table_counts()
    with pytest.raises(RuntimeError):
        run_import(db, csv_text(HEADERS, rows).encode("utf-8-sig"))
    assert calls == [BATCH, 60]
    assert table_counts() == before  # the first batch's leads, companies and history undone


def test_a_bad_row_in_a_later_batch_refuses_the_file_or_is_left_out(chain, db, table_counts):
    rows = _long_file(BATCH + 60)
    bad = BATCH + 30
    rows[bad][1] = "new-display:nowhere"
    content = csv_text(HEADERS, rows).encode("utf-8-sig")
    before = table_counts()
    refused = run_import(db, content)
    assert [(e.row, e.column) for e in refused.errors] == [(bad + 2, "所属环节")]
    assert not refused.applied and table_counts() == before

    report = run_import(db, content, partial=True)
    assert (report.created, report.refused) == (BATCH + 59, 1)
    moved = sum(1 for n in range(BATCH + 60) if n % 3 and n != bad)
    with db() as session:
        leads = session.scalars(select(Lead)).all()
        assert len(leads) == BATCH + 59
        assert sum(lead.stage == Stage.contacted for lead in leads) == moved
        assert all(lead.highest_rank == RANK[lead.stage] for lead in leads)
        changes = session.scalars(select(StageChange)).all()
        assert len(changes) == moved and {c.note for c in changes} == {IMPORT_NOTE}
        [entry] = session.scalars(select(AuditEntry).where(AuditEntry.action == "import")).all()
    assert sorted(entry.changes["created"]) == sorted(lead.id for lead in leads)
    assert len(entry.changes["companies_created"]) == BATCH + 59
    assert len(entry.changes["moved"]) == moved


def test_rows_of_one_lead_in_two_batches_make_one_lead_moved_on_by_each(chain, db):
    rows = _long_file(BATCH)
    first, second = rows[5], rows[4]  # both moved on to contacted in the first batch
    rows.append([first[0], first[1], "A", "", "800", "已拜访", "第二批"])
    rows.append([second[0], second[1], "", "", "", "", "只补备注"])
    report = run_import(db, csv_text(HEADERS, rows).encode("utf-8-sig"))
    assert (report.created, report.merged, report.refused) == (BATCH, 2, 0)
    with db() as session:
        leads = lead_rows(session)
        history = history_rows(session)
        [entry] = session.scalars(select(AuditEntry).where(AuditEntry.action == "import")).all()
    assert len(leads) == BATCH
    taken_on, noted = leads[first[0]], leads[second[0]]
    assert (taken_on["stage"], taken_on["priority"], taken_on["notes"]) == (
        Stage.visited,
        Priority.A,
        "第二批",
    )
    assert (
        taken_on["expected_investment"] == 800 and taken_on["highest_rank"] == RANK[Stage.visited]
    )
    moves = [(h["from_stage"], h["to_stage"]) for h in history[taken_on["id"]]]
    assert moves == [(Stage.identified, Stage.contacted), (Stage.contacted, Stage.visited)]
    assert (noted["stage"], noted["notes"]) == (Stage.contacted, "只补备注")
    assert len(history[noted["id"]]) == 1
    changes = entry.changes
    assert len(changes["created"]) == BATCH and changes["changed"] == []
    assert changes["moved"].count(taken_on["id"]) == 1
    assert len(changes["moved"]) == sum(1 for n in range(BATCH) if n % 3)


def test_each_batch_is_written_before_the_next_is_read(chain, db, monkeypatch):
    """Memory stays bounded by a batch: the file is never parsed whole before writing."""
    events: list[str] = []
    real_parse, real_write = importer.parse_rows, importer.write_plans

    def parse(rows, *args):
        parsed = real_parse(rows, *args)
        events.append(f"read {len(parsed)}")
        return parsed

    def write(session, plans, **options):
        events.append(f"write {len(plans)}")
        return real_write(session, plans, **options)

    monkeypatch.setattr(importer, "parse_rows", parse)
    monkeypatch.setattr(importer, "write_plans", write)
    report = run_import(db, csv_text(HEADERS, _long_file(BATCH + 60)).encode("utf-8-sig"))
    assert report.created == BATCH + 60
    assert events == [f"read {BATCH}", f"write {BATCH}", "read 60", "write 60"]


def test_next_follow_up_and_task_force_are_written_for_new_and_merged_leads(staff, chain, db):
    task_force = {"name": "新型显示专班", "kind": "task_force"}
    tf_id = staff.post("/api/taskforces", json=task_force).json()["id"]
    headers = ["企业名称", "所属环节", "招商专班", "下次跟进"]
    rows = [["东湖显示有限公司", "new-display:panel", "新型显示专班", "2026-05-06"]]
    run_import(db, csv_text(headers, rows).encode("utf-8-sig"))
    rows = [["东湖显示有限公司", "new-display:panel", "", "2026-06-07"]]
    run_import(db, csv_text(headers, rows).encode("utf-8-sig"))
    with db() as session:
        [lead] = session.scalars(select(Lead)).all()
        assert (lead.task_force_id, lead.next_follow_up, lead.version) == (
            tf_id,
            dt.date(2026, 6, 7),
            2,
        )
