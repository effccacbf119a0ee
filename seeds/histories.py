"""Dated lead histories at the pace real investment projects move.

A history is drawn backwards from how long ago its last step happened, step by step with the
time each step takes; a draw that would begin too early is drawn again.
"""

import random
from datetime import date, datetime, time, timedelta

HISTORY_START = date(2024, 12, 1)
HISTORY_END = date(2026, 11, 15)
# A project under construction or producing today was courted long before: from 2024 on.
PROJECT_HISTORY_START = date(2024, 1, 1)
PIPELINE = ["identified", "contacted", "visited", "negotiating", "signed", "started", "producing"]
# Days a move into the stage takes after the one before it.
STEP_DAYS = {
    "contacted": (5, 45),
    "visited": (10, 75),
    "negotiating": (14, 90),
    "signed": (21, 150),  # negotiation: weeks to months
    "started": (90, 365),  # signing to construction start: 3 to 12 months
    "producing": (365, 720),  # construction start to production: 12 to 24 months
    "paused": (10, 90),
    "lost": (10, 120),
}
PAUSE_REASONS = ["企业投资计划推迟", "等待董事会决策", "用地指标待落实", "企业融资未到位"]
LOSS_REASONS = [
    "落户其他城市",
    "企业战略调整",
    "政策条件未谈拢",
    "项目被竞争城市截留",
    "企业经营困难",
]
BACK_REASONS = ["对接人变更，重新接洽", "方案需重新论证"]


def moment(day: date, rng: random.Random) -> str:
    return datetime.combine(day, time(rng.randint(1, 9), rng.randint(0, 59))).isoformat() + "+00:00"


def history(rng: random.Random, final: str, owner: str) -> dict:
    """Dated moves from identified to ``final``: forward skips, a few steps back, halts."""
    halted = final in ("paused", "lost")
    last = rng.choice(PIPELINE[1:4]) if halted else final
    path = [
        s
        for s in PIPELINE[1 : PIPELINE.index(last) + 1]
        if s == last or PIPELINE.index(s) >= 4 or rng.random() > 0.2
    ]
    steps = [(stage, None) for stage in path]
    if "visited" in path and rng.random() < 0.08:
        at = path.index("visited") + 1
        steps[at:at] = [("contacted", rng.choice(BACK_REASONS)), ("visited", None)]
    if halted:
        reasons = PAUSE_REASONS if final == "paused" else LOSS_REASONS
        steps.append((final, rng.choice(reasons)))
    earliest = PROJECT_HISTORY_START if final in ("started", "producing") else HISTORY_START
    for _ in range(10_000):
        days = _draw_days(rng, steps, final)
        if days[0] >= earliest:
            break
    else:
        raise SystemExit(f"no history to {final} fits after {earliest}")
    moves = [
        {"to": stage, "at": moment(day, rng), "by": owner, **({"reason": why} if why else {})}
        for (stage, why), day in zip(steps, days[1:], strict=True)
    ]
    record = {"created_at": moment(days[0], rng), "moves": moves}
    open_lead = not halted and PIPELINE.index(last) < 4
    follow_up = days[-1] + timedelta(days=rng.randint(14, 60))
    record["next_follow_up"] = follow_up.isoformat() if open_lead else None
    return record


def _draw_days(rng: random.Random, steps: list[tuple[str, str | None]], final: str) -> list[date]:
    """[created, move 1, move 2, …]: back from the last move's age, a step's length apart."""
    day = HISTORY_END - timedelta(days=_idle_days(rng, final))
    days = [day]
    for stage, _ in reversed(steps):
        low, high = STEP_DAYS[stage]
        day -= timedelta(days=rng.randint(low, high))
        days.append(day)
    if not steps:  # identified only: created when the last "move" would be
        return [days[0]]
    return list(reversed(days))


def _idle_days(rng: random.Random, final: str) -> int:
    """How long ago the lead's last step was."""
    if final == "signed":
        return rng.randint(0, 300)  # not started yet: signed within the year
    if final == "started":
        return rng.randint(0, 500)  # not producing yet: started within two years
    if final == "producing":
        return rng.randint(0, 200)
    if final in ("paused", "lost"):
        return rng.randint(0, 360)
    # Open leads: most moved within the quarter, some within half a year, a few are stale.
    band = rng.choices([(0, 90), (90, 180), (180, 420)], weights=[72, 18, 10])[0]
    return rng.randint(*band)
