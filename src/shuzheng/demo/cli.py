"""`shuzheng demo load` (what `make run` calls) and `shuzheng demo logins`."""

from __future__ import annotations

import os
import unicodedata

import typer

from shuzheng.clikit import echo, friendly_errors, unit_of_work
from shuzheng.demo import city
from shuzheng.demo.loader import DemoLogin, DemoSummary, demo_logins, load_demo

app = typer.Typer(help="演示数据（示范市）/ the demo city", no_args_is_help=True)


@app.command(
    "load", help="载入全国行政区划和示范市演示数据（可重复执行，已有的不会重复载入），并列出演示账号"
)
@friendly_errors
def load() -> None:
    with unit_of_work() as session:
        summary = load_demo(session)
    echo(describe(summary))
    echo()
    print_logins(demo_logins())


@app.command("logins", help="列出演示账号")
def logins(everyone: bool = typer.Option(False, "--all", help="列出全部群众和企业账号")) -> None:
    print_logins(demo_logins(everyone=everyone), everyone=everyone)


def describe(summary: DemoSummary) -> str:
    if summary.added == 0:
        return "演示数据已存在，本次未新增任何数据。"
    lines = [
        f"演示数据已载入：新增行政区划 {summary.regions} 条、部门 {summary.departments} 个、"
        f"工作人员 {summary.staff} 个、群众 {summary.citizens} 位、企业 {summary.enterprises} 家。"
    ]
    lines += [f"  {domain}：新增 {added}" for domain, added in summary.domains.items() if added is not None]
    return "\n".join(lines)


def print_logins(rows: list[DemoLogin], *, everyone: bool = False) -> None:
    echo(f"演示账号（密码均为 {city.DEMO_PASSWORD}）：")
    table = [("角色", "登录名", "姓名 / 单位", "可以试试"), *((r.role, r.login, r.who, r.note) for r in rows)]
    widths = [max(_width(row[i]) for row in table) for i in range(3)]
    for row in table:
        echo("  " + "  ".join(_pad(cell, w) for cell, w in zip(row, widths, strict=False)) + "  " + row[3])
    host, port = os.environ.get("HOST", "127.0.0.1"), os.environ.get("PORT", "8000")
    echo()
    echo(
        f"登录：浏览器打开 http://{host}:{port}/login ，工作人员用用户名，群众用身份证号，企业用统一社会信用代码。"
    )
    if not everyone:
        echo(
            f"全部 {city.CITIZEN_COUNT} 位群众和 {len(city.ENTERPRISES)} 家企业的账号：shuzheng demo logins --all"
        )
    echo("注意：演示账号共用公开的密码，切勿在生产环境载入演示数据。")


def _width(text: str) -> int:
    """Display width in a terminal: CJK characters take two columns."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


COMMANDS = {"demo": app}
