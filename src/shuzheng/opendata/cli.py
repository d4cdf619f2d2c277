"""`shuzheng opendata list|stats`."""

from __future__ import annotations

import typer

from shuzheng.clikit import echo, friendly_errors, unit_of_work
from shuzheng.opendata import service

opendata = typer.Typer(help="公共数据开放 / open-data portal", no_args_is_help=True)


@opendata.command("list", help="列出无条件开放的数据集及其开放字段 / list public datasets")
@friendly_errors
def list_datasets() -> None:
    with unit_of_work() as session:
        datasets = service.open_datasets(session)
        for d in datasets:
            rows = d.latest.row_count if d.latest else 0
            fields = "、".join(f.label for f in d.fields)
            echo(f"{d.name:<28} {d.title}（{d.organization.title}）{rows} 行；开放字段：{fields}")
        echo(f"共 {len(datasets)} 个开放数据集")


@opendata.command("stats", help="各数据集的下载和接口调用次数 / downloads and API calls")
@friendly_errors
def stats() -> None:
    with unit_of_work() as session:
        for d in service.open_datasets(session):
            used = service.usage(session, d.code)
            downloads = sum(n for k, n in used.items() if k.startswith("download_"))
            echo(f"{d.name:<28} 下载 {downloads} 次，接口调用 {used.get('api', 0)} 次")


COMMANDS = {"opendata": opendata}
