"""Sharing pages: the consumer's (file a demand, agreements, credentials, usage), the provider's inbox
(approve or reject before the deadline), the operator's (需求清单, KPIs, trace look-up) and the citizen's
"我的数据被谁用了". Thin: rules live in service.py; every action runs in a savepoint so a refused one
leaves nothing behind and the page shows why."""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from shuzheng.catalog import service as catalog
from shuzheng.errors import DomainError
from shuzheng.kit import clock
from shuzheng.org import service as org
from shuzheng.security.roles import Role
from shuzheng.sharing import service
from shuzheng.sharing.schemas import ApproveInput, DemandInput
from shuzheng.web.deps import DbSession, PageActor, csrf_protect
from shuzheng.web.navigation import NavItem
from shuzheng.web.pageutils import attempt, error_page, field_errors, redirect, render_page

router = APIRouter(tags=["页面：数据共享"], dependencies=[Depends(csrf_protect)], include_in_schema=False)

NAV = {
    Role.DATA_OFFICER: [NavItem("数据共享", "/sharing"), NavItem("共享审核", "/sharing/inbox")],
    Role.PLATFORM_ADMIN: [NavItem("共享运营", "/sharing/operator")],
    Role.CITIZEN: [NavItem("我的数据被谁用了", "/sharing/my-data")],
    Role.ENTERPRISE: [NavItem("我的数据被谁用了", "/sharing/my-data")],
}

Text = Annotated[str, Form()]
LABELS = {
    "resource_code": "数据资源",
    "wanted": "所需数据的说明",
    "fields": "信息项",
    "unmasked_fields": "申请不脱敏的信息项",
    "purpose": "用途",
    "legal_basis": "依据",
    "period_end": "使用期限截止",
    "expected_volume": "预计日调用量",
    "reason": "理由",
}


def _names(session: Session) -> dict[int, str]:
    return {d.id: d.name for d in org.list_departments(session)}


def _date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value.strip() else None
    except ValueError:
        return None


# ---------------------------------------------------------------- consumer


@router.get("/sharing", summary="数据共享：本部门的需求和授权")
def home(request: Request, session: DbSession, actor: PageActor) -> Response:
    demands = service.consumer_demands(session, actor)
    agreements = [
        a for a in service.agreements_for(session, actor) if a.consumer_department_id == actor.department_id
    ]
    return render_page(
        request,
        "sharing_home.html",
        {
            "demands": demands,
            "agreements": agreements,
            "usage": service.usage_by_agreement(session, [a.id for a in agreements]),
            "names": _names(session),
            "state": service.agreement_state,
            "demand_labels": service.DEMAND_STATUS_LABELS,
            "agreement_labels": service.AGREEMENT_STATUS_LABELS,
            "field_labels": {
                s.code: {f.name: f.label for f in s.fields} for s in catalog.published_specs(session)
            },
        },
    )


def _new_page(
    request: Request, session: Session, code: str, values: dict[str, Any], err: DomainError | None = None
) -> Response:
    spec = None
    if code:
        try:
            spec = catalog.published_spec(session, code)
        except DomainError:
            spec = None
    return render_page(
        request,
        "sharing_new.html",
        {
            "spec": spec,
            "code": code,
            "field_options": [(f.name, f"{f.label}（{f.name}）") for f in spec.fields] if spec else [],
            "protected_options": [(f.name, f.label) for f in spec.fields if service.is_protected(f)]
            if spec
            else [],
            "supply": catalog.published_specs(session),
            "values": values,
            "errors": field_errors(err, fallback_field="purpose") if err else {},
            "message": err.message if err else "",
            "labels": LABELS,
            "default_end": (clock.today_in_china() + dt.timedelta(days=365)).isoformat(),
        },
        status=err.status if err else 200,
    )


@router.get("/sharing/demands/new", summary="提出共享需求")
def new_demand(request: Request, session: DbSession, actor: PageActor, resource: str = "") -> Response:
    return _new_page(request, session, resource.strip(), {})


@router.post("/sharing/demands/new", summary="提出共享需求（提交）")
async def new_demand_submit(
    request: Request,
    session: DbSession,
    actor: PageActor,
    resource_code: Text = "",
    wanted: Text = "",
    purpose: Text = "",
    legal_basis: Text = "",
    period_end: Text = "",
    expected_volume: Text = "0",
) -> Response:
    form = await request.form()
    values = {
        "fields": [str(v) for v in form.getlist("fields")],
        "unmasked_fields": [str(v) for v in form.getlist("unmasked_fields")],
        "wanted": wanted,
        "purpose": purpose,
        "legal_basis": legal_basis,
        "period_end": period_end,
        "expected_volume": expected_volume,
    }
    data = DemandInput(
        resource_code=resource_code or None,
        wanted=wanted or None,
        fields=values["fields"],
        unmasked_fields=values["unmasked_fields"],
        purpose=purpose,
        legal_basis=legal_basis,
        period_end=_date(period_end),
        expected_volume=int(expected_volume) if expected_volume.strip().isdigit() else 0,
    )
    created: list[Any] = []
    err = attempt(session, lambda: created.append(service.file_demand(session, actor, data)))
    if err is not None:
        return _new_page(request, session, resource_code, values, err)
    d = created[0]
    return redirect("/sharing", flash=f"第{d.id}号共享需求：{service.DEMAND_STATUS_LABELS[d.status]}")


@router.post("/sharing/agreements/{agreement_id}/credentials", summary="签发调用凭据")
def credentials(request: Request, session: DbSession, actor: PageActor, agreement_id: int) -> Response:
    issued: list[service.Credentials] = []
    err = attempt(session, lambda: issued.append(service.issue_credentials(session, actor, agreement_id)))
    if err is not None:
        return error_page(request, err)
    return render_page(
        request,
        "sharing_credentials.html",
        {"creds": issued[0], "agreement": service.get_agreement(session, agreement_id)},
    )


@router.post("/sharing/agreements/{agreement_id}/revoke", summary="撤销共享授权")
def revoke(
    request: Request, session: DbSession, actor: PageActor, agreement_id: int, reason: Text = ""
) -> Response:
    err = attempt(session, lambda: service.revoke(session, actor, agreement_id, reason))
    if err is not None:
        return redirect(request.headers.get("referer", "/sharing"), flash=err.message, level="error")
    return redirect(
        "/sharing/inbox" if "inbox" in request.headers.get("referer", "") else "/sharing",
        flash=f"已撤销第{agreement_id}号共享授权",
    )


# ---------------------------------------------------------------- provider


@router.get("/sharing/inbox", summary="共享审核")
def inbox(request: Request, session: DbSession, actor: PageActor) -> Response:
    demands = service.provider_demands(session, actor)
    agreements = [
        a for a in service.agreements_for(session, actor) if a.provider_department_id in actor.scope
    ]
    specs = {}
    for d in demands:
        if d.resource_code and d.status == service.PENDING and d.resource_code not in specs:
            with contextlib.suppress(DomainError):
                specs[d.resource_code] = catalog.published_spec(session, d.resource_code)
    return render_page(
        request,
        "sharing_inbox.html",
        {
            "pending": [d for d in demands if d.status == service.PENDING],
            "decided": [d for d in demands if d.status != service.PENDING],
            "agreements": agreements,
            "usage": service.usage_by_agreement(session, [a.id for a in agreements]),
            "specs": specs,
            "names": _names(session),
            "today": clock.today_in_china(),
            "state": service.agreement_state,
            "demand_labels": service.DEMAND_STATUS_LABELS,
            "agreement_labels": service.AGREEMENT_STATUS_LABELS,
        },
    )


@router.post("/sharing/demands/{demand_id}/approve", summary="同意共享")
async def approve(
    request: Request, session: DbSession, actor: PageActor, demand_id: int, period_end: Text = ""
) -> Response:
    form = await request.form()
    data = ApproveInput(
        fields=[str(v) for v in form.getlist("fields")],
        unmasked_fields=[str(v) for v in form.getlist("unmasked_fields")],
        period_end=_date(period_end),
    )
    err = attempt(session, lambda: service.approve(session, actor, demand_id, data))
    if err is not None:
        return redirect("/sharing/inbox", flash=f"第{demand_id}号需求：{err.message}", level="error")
    return redirect("/sharing/inbox", flash=f"已同意第{demand_id}号共享需求")


@router.post("/sharing/demands/{demand_id}/reject", summary="驳回共享需求")
def reject(
    request: Request, session: DbSession, actor: PageActor, demand_id: int, reason: Text = ""
) -> Response:
    err = attempt(session, lambda: service.reject(session, actor, demand_id, reason))
    if err is not None:
        return redirect("/sharing/inbox", flash=f"第{demand_id}号需求：{err.message}", level="error")
    return redirect("/sharing/inbox", flash=f"已驳回第{demand_id}号共享需求")


# ---------------------------------------------------------------- operator


@router.get("/sharing/operator", summary="共享运营：需求清单、指标、数据使用追溯")
def operator(
    request: Request, session: DbSession, actor: PageActor, id_number: str = "", uscc: str = ""
) -> Response:
    kpis = service.kpis(session, actor)
    trace: list[service.AccessView] | None = None
    message = ""
    if id_number.strip() or uscc.strip():
        found: list[list[service.AccessView]] = []
        err = attempt(
            session,
            lambda: found.append(service.operator_trace(session, actor, id_number=id_number, uscc=uscc)),
        )
        trace, message = (found[0], "") if err is None else (None, err.message)
    return render_page(
        request,
        "sharing_operator.html",
        {
            "kpis": kpis,
            "by_resource": service.usage_by_resource(session, actor),
            "demand_list": service.demand_list(session, actor),
            "departments": org.list_departments(session),
            "names": _names(session),
            "demand_labels": service.DEMAND_STATUS_LABELS,
            "trace": trace,
            "message": message,
            "id_number": id_number.strip(),
            "uscc": uscc.strip(),
        },
    )


@router.post("/sharing/demands/{demand_id}/assign", summary="指派部门")
def assign(
    request: Request, session: DbSession, actor: PageActor, demand_id: int, department_id: Text = ""
) -> Response:
    err = attempt(
        session,
        lambda: service.assign(
            session, actor, demand_id, int(department_id) if department_id.isdigit() else 0
        ),
    )
    if err is not None:
        return redirect("/sharing/operator", flash=err.message, level="error")
    return redirect("/sharing/operator", flash=f"已指派第{demand_id}号需求")


# ---------------------------------------------------------------- citizen


@router.get("/sharing/my-data", summary="我的数据被谁用了")
def my_data(request: Request, session: DbSession, actor: PageActor) -> Response:
    return render_page(request, "sharing_trace.html", {"trace": service.my_trace(session, actor)})
