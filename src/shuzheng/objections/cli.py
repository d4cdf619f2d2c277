"""`shuzheng objections list|show|tick|stats`: objections from the server's command line.

The commands read as the platform operator would (every department), but show records only masked;
`tick` is the escalation job (run it from cron)."""

from __future__ import annotations

import datetime as dt

import typer

from shuzheng.clikit import echo, friendly_errors, unit_of_work
from shuzheng.errors import field_error
from shuzheng.objections import jobs, service
from shuzheng.org import service as org
from shuzheng.security.roles import AccountKind, Actor, Role

app = typer.Typer(help="数据异议 / data objections", no_args_is_help=True)

OPERATOR = Actor(
    account_id=0, kind=AccountKind.STAFF, display_name="命令行", roles=frozenset({Role.PLATFORM_ADMIN})
)


def _date(text: str | None, name: str) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise field_error(name, f"日期格式应为 YYYY-MM-DD：{text}") from None


@app.command("list", help="列出异议 / list objections")
@friendly_errors
def list_objections(
    status: str | None = typer.Option(None, "--status", help="filed / escalated / confirmed / rejected"),
    resource: str | None = typer.Option(None, "--resource", help="数据资源代码"),
    department: str | None = typer.Option(None, "--department", help="责任部门编码，如 gaj"),
) -> None:
    with unit_of_work() as session:
        dept_id = org.department_by_code(session, department).id if department else None
        found = service.search(
            session, OPERATOR, status=status, resource_code=resource, department_id=dept_id
        )
        names = {d.id: d.short_name or d.name for d in org.list_departments(session)}
        for o in found:
            what = o.field_label or "整条记录"
            echo(
                f"#{o.id:<5} {o.status_label:<6} {o.resource_name}·{what}  {o.record_masked}  "
                f"{names.get(o.department_id, '')}  期限 {o.due_date.isoformat()}"
            )
        echo(f"共 {len(found)} 条")


@app.command("show", help="查看一条异议 / show one objection")
@friendly_errors
def show(objection_id: int) -> None:
    with unit_of_work() as session:
        o = service.get(session, OPERATOR, objection_id)
        echo(f"第{o.id}号异议：{o.status_label}")
        echo(f"数据资源：{o.resource_name}（{o.resource_code}）")
        echo(f"记录：{o.record_masked}；信息项：{o.field_label or '整条记录'}")
        echo(f"提出：{o.filed_by_name}，{o.filed_at.isoformat(timespec='seconds')}")
        echo(f"答复期限：{o.due_date.isoformat()}（{o.deadline_days}个工作日）")
        echo(f"理由和依据：{o.evidence}")
        if o.decision_reason:
            echo(f"处理意见：{o.decision_reason}")
        if o.corrected_version:
            echo(f"更正后的数据版本：第{o.corrected_version}版")
        for e in service.events(session, o):
            echo(f"  {e.at.isoformat(timespec='seconds')}  {e.action:<9} {e.actor_label}  {e.note or ''}")


@app.command("tick", help="超期异议升级到平台督办（幂等）/ escalate overdue objections")
@friendly_errors
def tick() -> None:
    with unit_of_work() as session:
        report = jobs.tick(session)
        echo(
            f"升级 {len(report.escalated)} 条"
            + (f"：{', '.join(map(str, report.escalated))}" if report.escalated else "")
        )


@app.command("stats", help="各部门异议统计 / per-department statistics")
@friendly_errors
def stats(
    start: str | None = typer.Option(None, "--from", help="提出日期起 YYYY-MM-DD（默认今年1月1日）"),
    end: str | None = typer.Option(None, "--to", help="提出日期止 YYYY-MM-DD（默认今天）"),
) -> None:
    with unit_of_work() as session:
        s = service.stats(session, OPERATOR, _date(start, "from"), _date(end, "to"))
        echo(f"{s.start.isoformat()} 至 {s.end.isoformat()}，共 {s.total} 条异议")
        echo("排名  部门                      总数  未办结  超期  已更正  已驳回  更正用时中位数（工作日）")
        for d in s.departments:
            median = "—" if d.median_days_to_fix is None else f"{d.median_days_to_fix:g}"
            echo(
                f"{d.rank:<5} {d.department_name:<24} {d.count:>4} {d.open:>6} {d.overdue:>5} "
                f"{d.confirmed:>6} {d.rejected:>6}  {median}"
            )


COMMANDS = {"objections": app}
