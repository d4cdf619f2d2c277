"""`shuzheng ingest load|pull` and `shuzheng lake verify|prune`."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from shuzheng.clikit import echo, fail, friendly_errors, unit_of_work
from shuzheng.ingest import service
from shuzheng.ingest.validate import CATEGORY_LABELS
from shuzheng.quality.scoring import LABELS as DIMENSION_LABELS
from shuzheng.security import service as accounts
from shuzheng.security.roles import Actor

app = typer.Typer(help="数据汇聚 / load department data into the lake", no_args_is_help=True)
lake_app = typer.Typer(help="数据湖维护 / lake housekeeping", no_args_is_help=True)


def _actor(session, username: str | None) -> Actor | None:  # type: ignore[no-untyped-def]
    if not username:
        return None
    account = accounts.find_account_by_login(session, username)
    if account is not None:
        return accounts.actor_for(session, account)
    fail(f"找不到账号：{username}")
    return None


def _mapping(pairs: list[str]) -> dict[str, str]:
    mapping = {}
    for pair in pairs:
        header, sep, field = pair.partition("=")
        if not sep or not header.strip() or not field.strip():
            fail(f"列映射应写作 表头=信息项，如 证件号码=id_number：{pair}")
        mapping[header.strip()] = field.strip()
    return mapping


class _Bar:
    """A rich progress bar driven by the service's (phase, fraction) callback."""

    def __init__(self, console: Console):
        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.percentage:>3.0f}%"),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        )
        self.tasks: dict[str, TaskID] = {}

    def __call__(self, phase: str, fraction: float | None) -> None:
        if phase not in self.tasks:
            for other in self.tasks.values():
                self.progress.update(other, completed=100)
            self.tasks[phase] = self.progress.add_task(phase, total=100 if fraction is not None else None)
        if fraction is not None:
            self.progress.update(self.tasks[phase], completed=fraction * 100)

    def __enter__(self) -> _Bar:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        for task in self.tasks.values():
            if self.progress.tasks[task].total is not None:
                self.progress.update(task, completed=self.progress.tasks[task].total)
        self.progress.stop()


def _print_summary(summary: service.LoadSummary) -> None:
    echo(f"数据资源：{summary.code} {summary.name}")
    echo(
        f"来源：{summary.source_name}（SM3 {summary.source_sm3[:16]}…）"
        + (f"，编码 {summary.encoding}" if summary.encoding else "")
    )
    for note in summary.notes:
        echo(f"说明：{note}")
    if summary.unchanged:
        current = summary.version.number if summary.version else "—"
        echo(f"结果：未变化，没有生成新版本（{summary.unchanged_reason}；当前版本 第{current}版）")
        if not summary.rows_read:
            return
    echo(f"读取 {summary.rows_read} 行：通过 {summary.accepted} 行，拒收 {summary.rejected} 行")
    if summary.mode != "full" and not summary.unchanged:
        echo(
            f"增量合并：新增 {summary.inserted} 行，更新 {summary.updated} 行，合并后共 {summary.row_count} 行"
        )
    if summary.reasons:
        echo("拒收原因：")
        for r in summary.reasons[:15]:
            rows = "、".join(str(n) for n in r.sample_rows[:5])
            echo(
                f"  - [{CATEGORY_LABELS.get(r.category, r.category)}] {r.field}：{r.reason} × {r.count}（如第 {rows} 行）"
            )
        if len(summary.reasons) > 15:
            echo(f"  … 共 {len(summary.reasons)} 种原因")
    if summary.score is not None:
        dims = "，".join(f"{DIMENSION_LABELS[k]} {v * 100:.1f}%" for k, v in summary.dimensions.items())
        echo(f"质量评分：{summary.score:.1f}（{dims}）")
    if summary.version is not None and not summary.unchanged:
        echo(
            f"已生成 第{summary.version.number}版（{summary.row_count} 行，SM3 {summary.version.data_sm3[:16]}…，用时 {summary.seconds:.1f} 秒）"
        )


@app.command("load", help="加载文件为资源的新数据版本 / load a file as a new version")
@friendly_errors
def load(
    code: str = typer.Argument(..., help="数据资源代码"),
    file: Path = typer.Argument(
        ..., exists=True, dir_okay=False, readable=True, help="CSV、xlsx、JSON Lines 或 Parquet 文件"
    ),
    incremental: bool = typer.Option(False, "--incremental", help="增量：按主键更新或新增"),
    username: str | None = typer.Option(None, "--as", help="以该数据专员的身份加载（记入账本）"),
    mapping: list[str] = typer.Option(
        [], "--map", help="列映射 表头=信息项，可重复，如 --map 证件号码=id_number"
    ),
) -> None:
    console = Console(stderr=True)
    with unit_of_work() as session:
        actor = _actor(session, username)
        with _Bar(console) as bar:
            summary = service.load(
                session, actor, code, file, incremental=incremental, mapping=_mapping(mapping), progress=bar
            )
        _print_summary(summary)


@app.command("pull", help="从部门数据库拉取数据（逻辑接入）/ pull from a department database")
@friendly_errors
def pull(
    code: str = typer.Argument(..., help="数据资源代码"),
    url: str = typer.Option(..., "--url", help="SQLAlchemy 数据库地址，如 postgresql+psycopg://user@host/db"),
    query: str = typer.Option(..., "--query", help="查询语句（只读，SELECT 或 WITH 开头）"),
    incremental: bool = typer.Option(False, "--incremental", help="增量：按主键更新或新增"),
    username: str | None = typer.Option(None, "--as", help="以该数据专员的身份加载"),
    mapping: list[str] = typer.Option([], "--map", help="列映射 列名=信息项，可重复"),
) -> None:
    console = Console(stderr=True)
    with unit_of_work() as session:
        actor = _actor(session, username)
        with _Bar(console) as bar:
            summary = service.pull(
                session,
                actor,
                code,
                url,
                query,
                incremental=incremental,
                mapping=_mapping(mapping),
                progress=bar,
            )
        _print_summary(summary)


@lake_app.command("verify", help="校验数据湖：每个版本可读、行数和SM3与登记一致 / verify the lake")
@friendly_errors
def verify() -> None:
    with unit_of_work() as session:
        checked, problems = service.verify_lake(session)
    fatal = [p for p in problems if p.fatal]
    for p in problems:
        where = f"{p.code} 第{p.number}版" if p.number is not None else p.code
        echo(f"{'错误' if p.fatal else '提示'}：{where}：{p.problem}")
    if fatal:
        bad = sorted({f"{p.code} 第{p.number}版" for p in fatal})
        fail(f"{len(bad)} 个版本校验未通过：{'、'.join(bad)}", code=1)
    echo(f"已校验 {checked} 个数据版本，全部完好")


@lake_app.command("prune", help="按保留策略清理旧版本（当前版本永不清理）/ remove old versions")
@friendly_errors
def prune(
    keep: int = typer.Option(..., "--keep", help="每个资源保留最近的版本数（至少1）"),
    username: str | None = typer.Option(None, "--as", help="以该平台管理员的身份操作"),
) -> None:
    with unit_of_work() as session:
        result = service.prune(session, _actor(session, username), keep)
    for code, number in result.pruned:
        echo(f"已清理 {code} 第{number}版")
    echo(f"共清理 {len(result.pruned)} 个旧版本，{result.removed_dirs} 个无主目录")


COMMANDS = {"ingest": app, "lake": lake_app}
