"""`shuzheng hotline …`: Open311 API keys, the deadline job, the daily job, reports, settings."""

from __future__ import annotations

import datetime as dt

import typer

from shuzheng.clikit import echo, fail, friendly_errors, unit_of_work
from shuzheng.hotline import deadlines, jobs, service, stats
from shuzheng.kit import clock

app = typer.Typer(help="12345 接诉即办 / the hotline", no_args_is_help=True)
apikey = typer.Typer(help="Open311 接入密钥 / API keys of client systems", no_args_is_help=True)
app.add_typer(apikey, name="apikey")


def _day(value: str | None, default: dt.date) -> dt.date:
    if not value:
        return default
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        fail(f"日期格式不正确：{value}（应为 2026-03-01）")
        raise  # unreachable: fail exits


@apikey.command("create", help="为接入系统发放 Open311 api_key（只显示这一次，平台只保存其哈希）")
@friendly_errors
def create_key(name: str = typer.Argument(..., help="接入系统名称，如 市民App")) -> None:
    with unit_of_work() as session:
        client, raw = service.create_api_client(session, None, name)
        echo(f"已为“{client.name}”发放 api_key（请立即交给对方，之后无法再次查看）：")
        echo(raw)


@apikey.command("list", help="列出接入系统")
@friendly_errors
def list_keys() -> None:
    with unit_of_work() as session:
        for c in service.list_api_clients(session, None):
            state = "已停用" if c.revoked_at else "有效"
            used = (
                c.last_used_at.astimezone(clock.CHINA_TZ).strftime("%Y-%m-%d %H:%M")
                if c.last_used_at
                else "未使用"
            )
            echo(f"{c.id:>4}  {c.name:<20} {c.key_hint}…  {state}  最近使用：{used}")


@apikey.command("revoke", help="停用接入系统的 api_key")
@friendly_errors
def revoke_key(name: str) -> None:
    with unit_of_work() as session:
        service.revoke_api_client(session, None, name)
        echo(f"已停用：{name}")


@app.command("tick", help="时限监控：到期前预警，超期自动督办（建议每5分钟运行）")
@friendly_errors
def tick() -> None:
    with unit_of_work() as session:
        report = jobs.tick(session)
    echo(
        f"预警 {len(report.warned)} 件，新超期 {len(report.overdue)} 件，再次督办 {len(report.escalated)} 件"
    )


@app.command("daily", help="每日任务：民意热点识别与推送、日清日结日报（默认前一天）")
@friendly_errors
def daily(day: str | None = typer.Option(None, "--day", help="日期，如 2026-03-01")) -> None:
    with unit_of_work() as session:
        run = jobs.daily(session, _day(day, clock.today_in_china() - dt.timedelta(days=1)))
        echo(f"{run.day}：识别民意热点 {len(run.hotspots)} 个")
        for h in run.hotspots:
            echo(f"  - {h.summary}")
        _print_report(run.report)


def _print_report(r: stats.DailyReport) -> None:
    rate = f"{r.clearance_rate:.1%}" if r.clearance_rate is not None else "—"
    channels = "、".join(f"{k} {v}" for k, v in r.by_channel.items()) or "无"
    echo(
        f"日清日结 {r.day}：受理 {r.received} 件（{channels}），当日清 {r.cleared_same_day} 件，日清率 {rate}"
    )
    echo(
        f"  派单 {r.dispatched}，即问即答 {r.answered_by_faq}，办结 {r.resolved}，回访 {r.callbacks}，重办 {r.reopened}"
    )
    echo(f"  当前：待派单 {r.pending_now}，待回访 {r.awaiting_callback}，超期未办结 {r.overdue_now}")


@app.command("report", help="日清日结日报（默认今天）")
@friendly_errors
def report(day: str | None = typer.Option(None, "--day")) -> None:
    with unit_of_work() as session:
        _print_report(stats.daily_report(session, _day(day, clock.today_in_china())))


@app.command("rates", help="各单位响应率、解决率、满意率及排名（默认近30天）")
@friendly_errors
def rates(
    start: str | None = typer.Option(None, "--start"), end: str | None = typer.Option(None, "--end")
) -> None:
    today = clock.today_in_china()
    lo, hi = _day(start, today - dt.timedelta(days=29)), _day(end, today)

    def pct(v: float | None) -> str:
        return f"{v:6.1%}" if v is not None else "     —"

    with unit_of_work() as session:
        echo(f"{lo} 至 {hi}    排名  响应率  解决率  满意率  综合得分  单位")
        for r in stats.department_rates(session, lo, hi):
            score = f"{r.score:8.1f}" if r.score is not None else "       —"
            echo(
                f"{'':20}{r.rank or '—':>4}  {pct(r.response_rate)}  {pct(r.solve_rate)}  "
                f"{pct(r.satisfaction_rate)}  {score}  {r.department_name}"
            )


@app.command("settings", help="查看参数；给出 KEY VALUE 则修改")
@friendly_errors
def settings(key: str | None = typer.Argument(None), value: int | None = typer.Argument(None)) -> None:
    with unit_of_work() as session:
        if key is not None:
            if value is None:
                fail("请同时给出参数值，如：shuzheng hotline settings urgent_hours 12")
                return
            deadlines.put_setting(session, key, value, None)
        for k, v in deadlines.all_settings(session).items():
            echo(f"{k:<26} {v:>6}  {deadlines.SETTINGS[k][1]}")


@app.command("addresses-sync", help="从数据资源目录的“标准地址”资源（统一地址库）同步地址匹配索引")
@friendly_errors
def addresses_sync(
    code: str = typer.Argument(..., help="标准地址资源的目录编码"),
    keep: bool = typer.Option(False, "--keep", help="只新增，不覆盖已有地址"),
) -> None:
    with unit_of_work() as session:
        r = service.sync_standard_addresses(session, None, code, overwrite=not keep)
    echo(f"读取 {r.read} 条：新增 {r.added}，更新 {r.updated}，跳过 {r.skipped}（无法对应到本市街道乡镇）")


@app.command("retrain", help="用派单员的分类更正重新训练分类模型")
@friendly_errors
def retrain() -> None:
    from shuzheng.hotline import classify

    with unit_of_work() as session:
        r = classify.retrain(session)
    echo(
        f"已用 {r.examples} 条样本（含更正 {r.corrections} 条）重新训练；留出 {r.held_out} 条上："
        f"类型准确率 {r.type_accuracy:.1%}（macro-F1 {r.type_macro_f1:.3f}），"
        f"领域准确率 {r.topic_accuracy:.1%}（macro-F1 {r.topic_macro_f1:.3f}），两者皆对 {r.both_accuracy:.1%}"
    )


COMMANDS = {"hotline": app}
