"""Online evaluation: rules "evaluate S % of production spans of prompt P (or model M) with
evaluator E", applied by ``otel-llm worker`` with a daily cost cap.

A rule looks at the project's app traffic only (LLM spans that are no replay and no evaluation
call, status OK) started after its cursor, oldest first. A span is sampled when its id falls in
the rule's share (a stable hash: the same span is always in or out, whichever worker looks); its
verdict becomes a score on the span, like any evaluator's. What judge calls cost is added to the
rule's UTC day; once the day's spend reaches ``daily_cost_cap_usd`` the rule waits for the next day
(its cursor stays, so nothing is skipped). Evaluators that need an expected output (``exact``,
``similarity``…) are refused: production spans have none.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, delete, insert, select, update

from otel_llm.evaluation import registry
from otel_llm.evaluation.base import EvaluatorError
from otel_llm.evaluation.errors import EvaluationError, RuleNotFound
from otel_llm.storage.schema import spans
from otel_llm.storage.schema_evaluations import eval_rule_days, eval_rules

NEEDS_EXPECTED = ("exact", "contains", "numeric", "similarity")
BATCH = 200


@dataclass
class RuleReport:
    rule: str
    project_id: int
    considered: int = 0
    judged: int = 0
    errors: int = 0
    cost_usd: float = 0.0
    capped: bool = False


def create_rule(
    engine: Engine,
    project_id: int,
    name: str,
    evaluator: str,
    *,
    prompt: str | None = None,
    model: str | None = None,
    sample_percent: float = 10.0,
    daily_cost_cap_usd: float | None = None,
    actor: str = "",
    since: datetime | None = None,
) -> dict[str, Any]:
    """A new rule over spans started from ``since`` (default: now, so only new traffic)."""
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise EvaluationError("give the rule a name of 1 to 100 characters.")
    if not 0 < sample_percent <= 100:
        raise EvaluationError("--sample must be a percentage above 0 and at most 100.")
    if daily_cost_cap_usd is not None and daily_cost_cap_usd <= 0:
        raise EvaluationError("--daily-cost-cap must be a positive amount of USD.")
    if evaluator.split(":", 1)[0] in NEEDS_EXPECTED:
        raise EvaluationError(
            f"{evaluator} compares with an expected output, which production spans have none of."
        )
    try:  # refuse unknown evaluators now
        registry.resolve(evaluator, registry.JudgeSettings(engine, project_id))
    except EvaluatorError as exc:
        raise EvaluationError(str(exc)) from exc
    values = dict(
        project_id=project_id, name=name, evaluator=evaluator, prompt_name=prompt or None, model=model or None,
        sample_percent=float(sample_percent), daily_cost_cap_usd=daily_cost_cap_usd, actor=actor[:320],
        cursor_time=since or datetime.now(UTC),
    )  # fmt: skip
    with engine.begin() as conn:
        if conn.execute(
            select(eval_rules.c.id).where(eval_rules.c.project_id == project_id, eval_rules.c.name == name)
        ).first():
            raise EvaluationError(f"there is already a rule {name!r}; remove it first or pick another name.")
        conn.execute(insert(eval_rules).values(**values))
    return next(r for r in list_rules(engine, project_id) if r["name"] == name)


def list_rules(engine: Engine, project_id: int) -> list[dict[str, Any]]:
    today = datetime.now(UTC).date()
    query = (
        select(eval_rules, eval_rule_days.c.cost_usd.label("spent_today"), eval_rule_days.c.judged.label("judged_today"))
        .select_from(eval_rules.outerjoin(eval_rule_days, (eval_rule_days.c.rule_id == eval_rules.c.id) & (eval_rule_days.c.day == today)))
        .where(eval_rules.c.project_id == project_id)
        .order_by(eval_rules.c.name)
    )  # fmt: skip
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(query)]


def remove_rule(engine: Engine, project_id: int, name: str) -> None:
    gone = _remove(engine, project_id, eval_rules.c.name == name)
    if not gone:
        raise RuleNotFound(f"there is no rule {name!r}; list them with `otel-llm eval rules list`.")


def remove_rule_by_id(engine: Engine, project_id: int, rule_id: int) -> None:
    """Remove the rule (its scores stay); ``RuleNotFound`` when the project has no such rule."""
    if not _remove(engine, project_id, eval_rules.c.id == rule_id):
        raise RuleNotFound(f"there is no rule {rule_id} in this project.")


def _remove(engine: Engine, project_id: int, which) -> int:
    with engine.begin() as conn:
        return conn.execute(delete(eval_rules).where(eval_rules.c.project_id == project_id, which)).rowcount


def sampled(span_id: str, percent: float) -> bool:
    """Whether a span is in a ``percent`` share: a stable hash of its id, the same in every worker."""
    return int(span_id[-8:], 16) % 10_000 < percent * 100


def apply_all(
    engine: Engine, *, base_url: str | None = None, now: datetime | None = None
) -> list[RuleReport]:
    """Apply every enabled rule of every project once (what one tick of ``otel-llm worker`` does)."""
    with engine.connect() as conn:
        rules = [
            dict(r._mapping) for r in conn.execute(select(eval_rules).where(eval_rules.c.enabled.is_(True)))
        ]
    return [apply_rule(engine, rule, base_url=base_url, now=now) for rule in rules]


def apply_rule(
    engine: Engine, rule: dict[str, Any], *, base_url: str | None = None, now: datetime | None = None
) -> RuleReport:
    from otel_llm.evaluation.attached import SpanJudging

    report = RuleReport(rule["name"], rule["project_id"])
    day = (now or datetime.now(UTC)).date()
    spent = _spent(engine, rule["id"], day)
    if _capped(rule, spent):
        report.capped = True
        return report
    judging = SpanJudging(engine, rule["project_id"], [rule["evaluator"]], base_url=base_url)
    cursor = rule["cursor_time"]
    for row in _candidates(engine, rule):
        report.considered += 1
        cursor = row["start_time"]
        if not sampled(row["span_id"], rule["sample_percent"]):
            continue
        verdicts = judging.judge([row], None, None)
        with engine.begin() as conn:
            judging.store(conn, [row], verdicts)
        cost = judging.cost(verdicts)
        report.judged += 1
        report.errors += sum(1 for v in verdicts if v.error)
        report.cost_usd += cost
        spent += cost
        _record_day(engine, rule["id"], day, cost, cursor)
        if _capped(rule, spent):
            report.capped = True
            break
    _move_cursor(engine, rule["id"], cursor)
    return report


def _capped(rule: dict[str, Any], spent: float) -> bool:
    return rule["daily_cost_cap_usd"] is not None and spent >= rule["daily_cost_cap_usd"]


def _candidates(engine: Engine, rule: dict[str, Any]) -> list[dict[str, Any]]:
    c = spans.c
    where = [
        c.project_id == rule["project_id"], c.is_llm.is_(True), c.replay_of.is_(None), c.evaluation.is_(None),
        c.status_code != "ERROR", c.start_time > rule["cursor_time"],
    ]  # fmt: skip
    if rule["prompt_name"]:
        where.append(c.prompt_name == rule["prompt_name"])
    if rule["model"]:
        where.append((c.request_model == rule["model"]) | (c.response_model == rule["model"]))
    with engine.connect() as conn:
        rows = conn.execute(select(spans).where(*where).order_by(c.start_time, c.span_id).limit(BATCH))
        return [dict(r._mapping) for r in rows]


def _spent(engine: Engine, rule_id: int, day) -> float:
    with engine.connect() as conn:
        found = conn.execute(
            select(eval_rule_days.c.cost_usd).where(
                eval_rule_days.c.rule_id == rule_id, eval_rule_days.c.day == day
            )
        ).scalar()
    return float(found or 0.0)


def _record_day(engine: Engine, rule_id: int, day, cost: float, cursor) -> None:
    """The day's spend and count, and the cursor, after each judged span (a crash loses nothing)."""
    days = eval_rule_days.c
    with engine.begin() as conn:
        changed = conn.execute(
            update(eval_rule_days)
            .where(days.rule_id == rule_id, days.day == day)
            .values(cost_usd=days.cost_usd + cost, judged=days.judged + 1)
        )
        if not changed.rowcount:
            conn.execute(insert(eval_rule_days).values(rule_id=rule_id, day=day, cost_usd=cost, judged=1))
        conn.execute(update(eval_rules).where(eval_rules.c.id == rule_id).values(cursor_time=cursor))


def _move_cursor(engine: Engine, rule_id: int, cursor) -> None:
    with engine.begin() as conn:
        conn.execute(update(eval_rules).where(eval_rules.c.id == rule_id).values(cursor_time=cursor))
