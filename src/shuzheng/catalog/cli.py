"""`shuzheng catalog list|show|export|import`: the 一本账 from the server's command line.

Reading (list, show, export) runs as a read-only staff reader unless `--as USERNAME` is given; import
always acts as a named account, whose permissions apply and whose name the ledger records."""

from __future__ import annotations

from pathlib import Path

import typer
from sqlalchemy.orm import Session

from shuzheng.catalog import excel, service, snapshots
from shuzheng.catalog.models import RESOURCE_STATUS_LABELS, ResourceStatus
from shuzheng.clikit import echo, fail, friendly_errors, unit_of_work
from shuzheng.errors import NotFound
from shuzheng.org import service as org
from shuzheng.security import service as accounts
from shuzheng.security.roles import AccountKind, Actor, Role

app = typer.Typer(help="数据资源目录（一本账）/ data resource catalog", no_args_is_help=True)

# Whoever runs the command on the server reads what every staff member may read, nothing more.
READER = Actor(account_id=0, kind=AccountKind.STAFF, display_name="命令行", roles=frozenset({Role.LEADER}))


def _actor(session: Session, username: str | None) -> Actor:
    if not username:
        return READER
    account = accounts.find_account_by_login(session, username)
    if account is None or account.kind != AccountKind.STAFF.value:
        raise NotFound(f"工作人员账号不存在：{username}")
    return accounts.actor_for(session, account)


def _department_id(session: Session, code: str | None) -> int | None:
    return org.department_by_code(session, code).id if code else None


@app.command("list", help="列出已发布的数据资源 / list published resources")
@friendly_errors
def list_resources(
    query: str = typer.Option("", "--q", "-q", help="关键词：中文、拼音首字母或全拼"),
    department: str | None = typer.Option(None, "--department", help="提供方部门编码，如 gaj"),
    catalog_type: str | None = typer.Option(None, "--type", help="base / theme / department"),
) -> None:
    with unit_of_work() as session:
        found = service.browse(
            session,
            READER,
            query=query or None,
            department_id=_department_id(session, department),
            catalog_type=catalog_type,
            limit=service.MAX_PAGE_SIZE,
        )
        for r in found.items:
            provider = found.providers[r.provider_department_id].short_name
            share = snapshots.display("share_type", r.share_type)
            echo(f"{r.code:<28} {r.name}（{provider}，{share}，第{r.published_version}版）")
        echo(
            f"共 {found.total} 个资源"
            + (f"（显示前 {len(found.items)} 个）" if found.total > len(found.items) else "")
        )


@app.command("show", help="显示一个资源的信息项和版本 / show a resource")
@friendly_errors
def show(
    code: str = typer.Argument(..., help="资源代码"),
    username: str | None = typer.Option(None, "--as", help="以该工作人员身份查看（可看到草稿）"),
) -> None:
    with unit_of_work() as session:
        view = service.view(session, _actor(session, username), code)
        snap = view.published or view.open_snapshot or {}
        echo(f"{snap['name']}  {view.resource.code}")
        status = RESOURCE_STATUS_LABELS[ResourceStatus(view.resource.status)]
        echo(f"提供方：{view.provider.name}    状态：{status}")
        for attr, label in (
            ("catalog_type", "目录类型"),
            ("theme", "主题"),
            ("update_cycle", "更新周期"),
            ("source_system", "来源业务系统"),
            ("share_type", "共享类型"),
            ("open_type", "开放类型"),
            ("summary", "摘要"),
        ):
            if snap.get(attr):
                echo(f"{label}：{snapshots.display(attr, snap[attr])}")
        echo(f"信息项（{len(snap['fields'])}）：")
        for f in snap["fields"]:
            marks = [snapshots.display("data_type", f["data_type"]), snapshots.display("level", f["level"])]
            marks += [
                m
                for m, on in (("主键", f["is_key"]), ("必填", f["required"]), ("个人敏感", f["sensitive_pi"]))
                if on
            ]
            if f.get("identifier"):
                marks.append(snapshots.display("identifier", f["identifier"]))
            echo(f"  {f['name']:<22} {f['label']}（{'，'.join(marks)}）")
        for rule in snap["rules"]:
            echo(f"  规则：{rule['message']}")
        echo("版本：")
        for v in view.history:
            echo(
                f"  第{v.number}版 {v.status_label}"
                + (f" {v.revision.publish_date}" if v.revision.publish_date else "")
            )
            for line in snapshots.diff_lines(v.diff) if v.diff.get("from") is not None else []:
                echo(f"    {line}")


@app.command("export", help="导出目录为 Excel / export the catalog as .xlsx")
@friendly_errors
def export(
    file: Path = typer.Argument(..., dir_okay=False, help="输出文件，如 catalog.xlsx"),
    department: str | None = typer.Option(None, "--department", help="只导出该提供方部门"),
    username: str | None = typer.Option(None, "--as", help="以该工作人员身份导出（配合 --drafts）"),
    drafts: bool = typer.Option(False, "--drafts", help="可编辑的资源导出其草稿"),
) -> None:
    if drafts and not username:
        fail("导出草稿须用 --as 指定工作人员")
    with unit_of_work() as session:
        data = excel.export_catalog(
            session,
            _actor(session, username),
            department_id=_department_id(session, department),
            include_drafts=drafts,
        )
    file.write_bytes(data)
    echo(f"已导出到 {file}（{len(data) // 1024 + 1} KB）")


@app.command("import", help="从 Excel 导入目录（全部成功或全部不写入）/ import a .xlsx catalog")
@friendly_errors
def import_(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True, help=".xlsx 文件"),
    username: str = typer.Option(..., "--as", help="以该工作人员（数据专员）身份导入"),
    submit: bool = typer.Option(False, "--submit", help="导入后直接提交审核"),
) -> None:
    with unit_of_work() as session:
        outcome = excel.import_catalog(session, _actor(session, username), file.read_bytes(), submit=submit)
    echo(outcome.summary)
    for label, codes in (("新建", outcome.created), ("修订", outcome.revised)):
        for code in codes:
            echo(f"  {label}：{code}")


COMMANDS = {"catalog": app}
