"""The `shuzheng` command. Each domain contributes a typer sub-app from its cli.py."""

from __future__ import annotations

import typer

from shuzheng.clikit import database, echo, fail, friendly_errors
from shuzheng.config import get_settings
from shuzheng.registry import domain_modules

app = typer.Typer(
    help="数政 shuzheng — 城市数字政府平台 / city digital-government platform", no_args_is_help=True
)
db_app = typer.Typer(help="数据库 / database", no_args_is_help=True)

app.add_typer(db_app, name="db")
for _module in domain_modules("cli"):
    for _name, _group in _module.COMMANDS.items():
        app.add_typer(_group, name=_name)


@db_app.command("upgrade", help="执行数据库迁移到最新版本 / migrate the database to the latest revision")
@friendly_errors
def db_upgrade(revision: str = typer.Argument("heads")) -> None:
    from shuzheng.migrate import current_heads, upgrade

    db = database()
    try:
        upgrade(db.engine, revision)
        echo(f"数据库已迁移到 {', '.join(current_heads(db.engine))}（{_safe_url(db.url)}）")
    finally:
        db.dispose()


@db_app.command("current", help="显示当前数据库版本 / show the current revision")
@friendly_errors
def db_current() -> None:
    from shuzheng.migrate import current_heads

    db = database()
    try:
        echo(", ".join(current_heads(db.engine)) or "（未迁移）")
    finally:
        db.dispose()


@app.command("serve", help="启动 Web 服务 / serve the web application")
def serve(
    host: str = typer.Option("127.0.0.1", help="监听地址"),
    port: int = typer.Option(8000, envvar="PORT", help="端口（环境变量 PORT）"),
) -> None:
    import uvicorn

    from shuzheng.app import create_app, ping

    settings = get_settings()
    db = database()
    try:
        ping(db)
    except Exception:
        fail(f"无法连接数据库（{_safe_url(settings.database_url)}），请检查数据库服务是否已启动", code=3)
    echo(f"数政 shuzheng 已启动：http://{host}:{port}  （数据库：{_safe_url(settings.database_url)}）")
    uvicorn.run(create_app(settings, db), host=host, port=port, log_level="warning")


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


if __name__ == "__main__":
    app()
