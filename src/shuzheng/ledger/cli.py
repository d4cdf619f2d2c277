"""`shuzheng ledger …` (tree heads, verification, entries, witnesses) and `shuzheng signing-keys …`."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from sqlalchemy.orm import Session

from shuzheng.clikit import database, echo, fail, friendly_errors, unit_of_work
from shuzheng.ledger import jobs, service
from shuzheng.ledger.verification import verify_ledger
from shuzheng.security import keys
from shuzheng.security.roles import AccountKind, Actor, Role

ledger_app = typer.Typer(help="存证账本 / verifiable ledger", no_args_is_help=True)
keys_app = typer.Typer(help="SM2 签名密钥 / signing keys", no_args_is_help=True)

EXIT_TAMPERED = 1


def _print_head(size: int, root: bytes) -> None:
    echo(f"签名树头：大小 {size}，根哈希 {root.hex()}")


@ledger_app.command("sth", help="生成签名树头；--every N 则每 N 秒一次 / sign a tree head")
@friendly_errors
def sth(every: int = typer.Option(0, "--every", min=0, help="间隔秒数；0 表示只生成一次")) -> None:
    db = database()
    try:
        if every <= 0:
            _print_head(*jobs.sign_tree_head(db))
            return
        echo(f"每 {every} 秒生成一次签名树头，Ctrl+C 结束")
        try:
            jobs.sign_tree_heads_every(db, every, on_head=_print_head)
        except KeyboardInterrupt:
            echo("已停止")
    finally:
        db.dispose()


@ledger_app.command("verify", help="由全部条目重算并校验账本；完好时退出码 0 / verify the whole ledger")
@friendly_errors
def verify(chunk: int = typer.Option(20_000, min=100, help="每批读取的条目数")) -> None:
    db = database()

    @contextmanager
    def sessions() -> Iterator[Session]:
        with db.unit_of_work() as session:
            yield session

    started = time.perf_counter()
    try:
        report = verify_ledger(sessions, chunk_size=chunk)
    finally:
        db.dispose()
    seconds = time.perf_counter() - started
    echo(
        f"已校验 {report.entries} 条条目、{report.nodes} 个树节点、{report.tree_heads} 个签名树头、"
        f"{report.cosignatures} 个见证签名（账本大小 {report.size}，用时 {seconds:.1f} 秒）"
    )
    if report.ok:
        echo("账本完好：全部检查通过")
        return
    typer.secho(f"发现 {len(report.findings)} 处问题：", fg=typer.colors.RED, err=True)
    for finding in report.findings:
        typer.secho(f"  ✗ {finding.describe()}", err=True)
    raise typer.Exit(EXIT_TAMPERED)


@ledger_app.command("show", help="显示账本条目 / show entries")
@friendly_errors
def show(
    start: int = typer.Argument(..., help="起始序号"),
    count: int = typer.Option(1, min=1, max=service.MAX_PAGE, help="条数"),
) -> None:
    with unit_of_work() as session:
        found = service.list_entries(session, _operator(), start, start + count)
        if not found:
            fail(f"没有序号从 {start} 起的条目（账本共 {service.size(session)} 条）")
        for e in found:
            echo(
                f"{e.seq:>8}  {e.time.isoformat()}  {e.actor_label}{'#' + str(e.actor_id) if e.actor_id else ''}"
                f"  {e.action}  {e.subject}  {e.payload}"
            )


@ledger_app.command("witness-add", help="登记见证节点（名称 + SM2 公钥 PEM 文件）/ register a witness")
@friendly_errors
def witness_add(
    name: str = typer.Argument(..., help="见证节点名称"),
    pem: Path = typer.Option(..., "--pem", exists=True, dir_okay=False, help="SM2 公钥 PEM 文件"),
) -> None:
    with unit_of_work() as session:
        witness = service.add_witness(session, None, name=name, public_key_pem=pem.read_text())
        echo(f"已登记见证节点：{witness.name}")


def _operator() -> Actor:
    """The server-side operator: whoever can run this CLI can read the database anyway."""
    return Actor(
        account_id=0, kind=AccountKind.STAFF, display_name="命令行", roles=frozenset({Role.PLATFORM_ADMIN})
    )


@keys_app.command("list", help="列出签名密钥（含已退役的）/ list signing keys")
@friendly_errors
def list_keys(owner: str = typer.Option(None, help="platform 或 department:<ID>")) -> None:
    with unit_of_work() as session:
        found = keys.public_keys(session, owner)
        if not found:
            echo("尚无签名密钥：运行 shuzheng signing-keys init")
        for k in found:
            status = "有效" if k.status == keys.KeyStatus.ACTIVE else f"已退役 {k.retired_at:%Y-%m-%d %H:%M}"
            echo(f"{k.key_id:<20} {k.owner:<20} {k.algorithm}  {status}  公钥 {k.public_key.hex()[:18]}…")


@keys_app.command("init", help="为平台和每个部门生成签名密钥（已有则跳过）/ create missing keys")
@friendly_errors
def init_keys() -> None:
    with unit_of_work() as session:
        made = keys.init_all(session)
        echo(f"平台及 {len(made) - 1} 个部门均已有有效签名密钥：{', '.join(k.key_id for k in made)}")


@keys_app.command("rotate", help="轮换签名密钥：OWNER 为 platform 或 department:<ID> / rotate a key")
@friendly_errors
def rotate(owner: str = typer.Argument(..., help="platform 或 department:<ID>")) -> None:
    with unit_of_work() as session:
        key = keys.rotate(session, None, owner)
        echo(f"已轮换 {owner} 的签名密钥，新密钥 {key.key_id}；旧密钥已退役，仍可用于验签")


COMMANDS = {"ledger": ledger_app, "signing-keys": keys_app}
