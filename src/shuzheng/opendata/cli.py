"""`shuzheng opendata list|stats` and `shuzheng opendata keys list|revoke ID` (the operator's view of
developer API keys: whoever can run this CLI can read the database anyway)."""

from __future__ import annotations

import datetime as dt

import typer

from shuzheng.clikit import echo, friendly_errors, unit_of_work
from shuzheng.kit.clock import CHINA_TZ
from shuzheng.opendata import service
from shuzheng.security import service as accounts
from shuzheng.security.roles import AccountKind, Actor, Role

opendata = typer.Typer(help="公共数据开放 / open-data portal", no_args_is_help=True)
keys = typer.Typer(help="开发者密钥 / developer API keys", no_args_is_help=True)
opendata.add_typer(keys, name="keys")

OPERATOR = Actor(
    account_id=0, kind=AccountKind.STAFF, display_name="命令行", roles=frozenset({Role.PLATFORM_ADMIN})
)


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


def _when(value: dt.datetime | None) -> str:
    return value.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M") if value else "—"


@keys.command("list", help="列出开发者密钥（不含密钥本身）/ list developer keys")
@friendly_errors
def list_keys(
    login: str | None = typer.Option(
        None, "--account", help="只列出该账号的密钥（用户名、身份证号或手机号）"
    ),
    active: bool = typer.Option(False, "--active", help="只列出有效的密钥"),
) -> None:
    with unit_of_work() as session:
        found = service.api_keys(session, OPERATOR, everyone=True)
        if login:
            account = accounts.find_account_by_login(session, login)
            found = [k for k in found if account is not None and k.account_id == account.id]
        if active:
            found = [k for k in found if k.revoked_at is None]
        names: dict[int, str] = {}
        for k in found:
            if k.account_id is not None and k.account_id not in names:
                names[k.account_id] = accounts.get_account(session, k.account_id).display_name
        for k in found:
            status = service.KEY_STATUS_LABELS[service.key_status(k)]
            owner = f"{names.get(k.account_id, '')}#{k.account_id}" if k.account_id else "—"
            echo(
                f"#{k.id:<5} {k.prefix}…  {status}  {k.label}（{owner}）  创建 {_when(k.created_at)}  "
                f"最近使用 {_when(k.last_used_at)}  调用 {k.calls} 次"
            )
        echo(f"共 {len(found)} 个密钥")


@keys.command("revoke", help="停用开发者密钥（立即生效，记入存证账本）/ revoke a key")
@friendly_errors
def revoke_key(key_id: int = typer.Argument(..., help="密钥编号（见 keys list）")) -> None:
    with unit_of_work() as session:
        already = service.get_api_key(session, OPERATOR, key_id).revoked_at is not None
        key = service.revoke_api_key(session, OPERATOR, key_id)
        label = key.label
    echo(f"第{key_id}号密钥「{label}」此前已停用" if already else f"已停用第{key_id}号密钥「{label}」")


COMMANDS = {"opendata": opendata}
