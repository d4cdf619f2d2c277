"""`shuzheng users …` and `shuzheng keys init`."""

from __future__ import annotations

from pathlib import Path

import typer

from shuzheng.clikit import echo, fail, friendly_errors, unit_of_work
from shuzheng.config import get_settings
from shuzheng.org import service as org
from shuzheng.security import service
from shuzheng.security.master import write_master_key_file

users = typer.Typer(help="账号管理 / manage accounts", no_args_is_help=True)
keys = typer.Typer(help="密钥管理 / keys", no_args_is_help=True)


@users.command("create", help="创建工作人员账号 / create a staff account")
@friendly_errors
def create_user(
    username: str = typer.Argument(..., help="用户名"),
    name: str = typer.Option(..., "--name", help="姓名"),
    department: str = typer.Option(..., "--department", help="部门编码，如 dsjj"),
    role: list[str] = typer.Option(..., "--role", help="角色，可重复：platform_admin, data_officer, …"),
    password: str = typer.Option(..., "--password", prompt="密码", hide_input=True, confirmation_prompt=True),
) -> None:
    with unit_of_work() as session:
        dept = org.department_by_code(session, department)
        account = service.create_staff(
            session,
            None,
            username=username,
            display_name=name,
            department_id=dept.id,
            roles=role,
            password=password,
        )
        echo(
            f"已创建账号 {account.username}（{account.display_name}，{dept.name}，角色：{', '.join(account.role_names)}）"
        )


@users.command("list", help="列出工作人员账号 / list staff accounts")
@friendly_errors
def list_users() -> None:
    from sqlalchemy import select

    from shuzheng.security.models import Account

    with unit_of_work() as session:
        for a in session.scalars(select(Account).where(Account.kind == "staff").order_by(Account.id)):
            echo(f"{a.id:>5}  {a.username:<20} {a.display_name:<8} {','.join(a.role_names)}")


@keys.command("init", help="生成平台主密钥文件（已存在则不覆盖）/ create the master key file")
def init_master_key(path: Path | None = typer.Option(None, help="密钥文件路径")) -> None:
    settings = get_settings()
    if settings.master_key is not None and path is None:
        echo("已通过环境变量 SHUZHENG_MASTER_KEY 配置主密钥，无需生成文件")
        return
    target = path or settings.master_key_file
    if write_master_key_file(target):
        echo(f"已生成平台主密钥：{target}（权限 0600，请妥善备份；丢失将无法解密已加密的个人信息）")
    elif not target.is_file():
        fail(f"{target} 已存在但不是文件")
    else:
        echo(f"主密钥文件已存在，未覆盖：{target}")


COMMANDS = {"users": users, "keys": keys}
