"""`shuzheng sharing demands|agreements|revoke|trace|kpis`: sharing from the server's command line, read
as the platform operator would (every department)."""

from __future__ import annotations

import typer

from shuzheng.clikit import database, echo, friendly_errors, unit_of_work
from shuzheng.org import service as org
from shuzheng.security.roles import AccountKind, Actor, Role
from shuzheng.sharing import jobs, service

app = typer.Typer(help="数据共享 / data sharing", no_args_is_help=True)

OPERATOR = Actor(
    account_id=0, kind=AccountKind.STAFF, display_name="命令行", roles=frozenset({Role.PLATFORM_ADMIN})
)


@app.command("demands", help="列出共享需求 / list demands")
@friendly_errors
def demands() -> None:
    with unit_of_work() as session:
        names = {d.id: d.short_name or d.name for d in org.list_departments(session)}
        found = service.provider_demands(session, OPERATOR) + service.demand_list(session, OPERATOR)
        for d in found:
            due = f"  期限 {d.due_date.isoformat()}" if d.due_date else ""
            echo(
                f"#{d.id:<5} {service.DEMAND_STATUS_LABELS[d.status]}  {names.get(d.consumer_department_id, '')} → "
                f"{d.resource_name}{due}"
            )
        echo(f"共 {len(found)} 条")


@app.command("agreements", help="列出共享授权 / list agreements")
@friendly_errors
def agreements() -> None:
    with unit_of_work() as session:
        names = {d.id: d.short_name or d.name for d in org.list_departments(session)}
        found = service.agreements_for(session, OPERATOR)
        usage = service.usage_by_agreement(session, [a.id for a in found])
        for a in found:
            calls, rows = usage.get(a.id, (0, 0))
            echo(
                f"#{a.id:<5} {service.AGREEMENT_STATUS_LABELS[service.agreement_state(a)]}  "
                f"{names.get(a.provider_department_id, '')} → {names.get(a.consumer_department_id, '')}  "
                f"{a.resource_name}  至 {a.valid_until.isoformat()}  调用 {calls} 次 / {rows} 行"
            )
        echo(f"共 {len(found)} 项")


@app.command("revoke", help="撤销共享授权 / revoke an agreement")
@friendly_errors
def revoke(agreement_id: int, reason: str = typer.Option(..., "--reason", help="撤销理由")) -> None:
    with unit_of_work() as session:
        service.revoke(session, OPERATOR, agreement_id, reason)
    echo(f"已撤销第{agreement_id}号共享授权")


@app.command("trace", help="某人或某企业的数据被谁使用 / who accessed a person's or enterprise's data")
@friendly_errors
def trace(
    id_number: str = typer.Option("", "--id-number", help="身份证号"),
    uscc: str = typer.Option("", "--uscc", help="统一社会信用代码"),
) -> None:
    with unit_of_work() as session:
        found = service.operator_trace(session, OPERATOR, id_number=id_number, uscc=uscc)
        for v in found:
            echo(
                f"{v.time.isoformat(timespec='seconds')}  {v.consumer}  {v.resource_name}  {v.purpose}  授权#{v.agreement_id}  存证#{v.ledger_seq}"
            )
        echo(f"共 {len(found)} 次")


@app.command("kpis", help="共享指标 / sharing KPIs")
@friendly_errors
def kpis() -> None:
    with unit_of_work() as session:
        k = service.kpis(session, OPERATOR)
    ratio = f"{k.served_ratio * 100:.1f}%" if k.served_ratio is not None else "—"
    median = f"{k.median_fulfilment_hours:.1f} 小时" if k.median_fulfilment_hours is not None else "—"
    echo(f"统一提供数据服务比例：{ratio}（{k.served_resources}/{k.shareable_resources}）")
    echo(f"需求办结时间中位数：{median}（{k.decided_demands} 项）")
    echo(
        f"待审核：{k.pending_demands}（超期 {k.overdue_demands}）；调用 {k.calls_total} 次，{k.rows_total} 行"
    )


@app.command(
    "exports-run",
    help="生成排队中的批量导出文件，并删除超过保留期的导出文件 / produce queued bulk exports, purge old files (cron)",
)
@friendly_errors
def exports_run() -> None:
    db = database()
    done = jobs.run_queued(db)
    purged = jobs.purge_expired(db)
    echo(f"已处理 {len(done)} 个导出任务；删除 {purged} 个超过保留期的导出文件")


COMMANDS = {"sharing": app}
