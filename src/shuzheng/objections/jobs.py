"""Background work of objections: `tick` escalates every objection past its due day to the platform
operator (the 异议督办 queue). Idempotent; run it every few minutes or at least once a day:

    */10 * * * *  cd /srv/shuzheng && .venv/bin/shuzheng objections tick
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from shuzheng.objections import service


@dataclass
class TickReport:
    escalated: list[int] = field(default_factory=list)


def tick(session: Session) -> TickReport:
    return TickReport(escalated=[o.id for o in service.escalate_overdue(session)])
