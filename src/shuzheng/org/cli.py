"""`shuzheng regions …`: load the national GB/T 2260 list, import townships, look a region up."""

from __future__ import annotations

from pathlib import Path

import typer

from shuzheng.clikit import echo, fail, friendly_errors, unit_of_work
from shuzheng.org import regions as service
from shuzheng.org.service import region_children

app = typer.Typer(help="行政区划 / administrative divisions (GB/T 2260)", no_args_is_help=True)


@app.command("load", help="载入全国省、市、县三级行政区划（GB/T 2260，已有的不重复载入）")
@friendly_errors
def load() -> None:
    with unit_of_work() as session:
        result = service.load_national_regions(session)
        counts = service.count_by_level(session)
    echo(f"全国行政区划：新增 {result.added} 条，已存在 {result.already_present} 条")
    echo("现有：" + "，".join(f"{service.level_label(lv)} {n} 个" for lv, n in counts.items()))


@app.command("import", help="从 CSV 导入乡镇街道（表头 code,name,parent_code；全部通过校验才写入）")
@friendly_errors
def import_townships(file: Path = typer.Argument(..., help="CSV 文件路径")) -> None:
    if not file.is_file():
        fail(f"文件不存在：{file}")
    with unit_of_work() as session:
        result = service.import_townships(session, None, file.read_bytes())
    echo(f"乡镇街道：新增 {result.added} 条，已存在 {result.already_present} 条")


@app.command("show", help="查看行政区划及其下级")
@friendly_errors
def show(code: str = typer.Argument(..., help="行政区划代码，如 370800")) -> None:
    with unit_of_work() as session:
        path = service.region_path(session, code.strip())
        region = path[-1]
        children = region_children(session, region.code)
        echo(" › ".join(r.name for r in path))
        official = "是" if region.official else "否（非 GB/T 2260 收录）"
        echo(f"代码：{region.code}  级别：{service.level_label(region.level)}  国标：{official}")
        echo(f"上级：{region.parent_code or '（无）'}  下级：{len(children)} 个")
        for child in children:
            echo(f"  {child.code}  {child.name}")


COMMANDS = {"regions": app}
