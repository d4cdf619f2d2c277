"""CKAN Action API v3 over the open datasets, at /api/3/action/{action} and /api/action/{action}, GET
and POST (JSON body), with CKAN's envelope and status codes so that CKAN clients (ckanapi) work.

Mapping: dataset name = slug of the catalog code, title = name, notes = summary, organization = the
provider department, tags = theme and catalog type, resources = one per data version of the lake.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from shuzheng.errors import DomainError, NotAuthenticated, NotFound, PermissionDenied
from shuzheng.opendata import service
from shuzheng.opendata.service import Distribution, OpenDataset, Organization
from shuzheng.web.deps import DbSession

router = APIRouter(tags=["开放数据 CKAN API"])

MAX_ROWS = 1000


class CkanError(Exception):
    def __init__(self, kind: str, message: str, status: int, extra: dict[str, Any] | None = None):
        super().__init__(message)
        self.kind, self.message, self.status, self.extra = kind, message, status, extra or {}


def validation(field: str, message: str) -> CkanError:
    return CkanError("Validation Error", message, 409, {field: [message]})


def not_found(message: str) -> CkanError:
    return CkanError("Not Found Error", message, 404)


# ---------------------------------------------------------------- parameters


def _int(params: dict[str, Any], name: str, default: int, maximum: int | None = None) -> int:
    raw = params.get(name, default)
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise validation(name, f"{name} 必须是整数") from None
    if isinstance(raw, bool) or value < 0:
        raise validation(name, f"{name} 必须是非负整数")
    return min(value, maximum) if maximum is not None else value


def _str(params: dict[str, Any], name: str, required: bool = False) -> str | None:
    value = params.get(name)
    if value is None or value == "":
        if required:
            raise validation(name, f"缺少参数 {name}")
        return None
    if not isinstance(value, str | int):
        raise validation(name, f"{name} 必须是文本")
    return str(value)


def _json_param(params: dict[str, Any], name: str, kind: type) -> Any:
    value = params.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, str) and kind is not str:
        try:
            value = json.loads(value)
        except ValueError:
            if kind is list:
                return [v.strip() for v in value.split(",") if v.strip()]
            raise validation(name, f"{name} 不是合法的 JSON") from None
    if not isinstance(value, kind):
        raise validation(name, f"{name} 的格式不正确")
    return value


# ---------------------------------------------------------------- dictionaries


def _iso(value: Any) -> str | None:
    return value.replace(tzinfo=None).isoformat() if value is not None else None


def org_dict(org: Organization, package_count: int | None = None) -> dict[str, Any]:
    return {
        "id": str(org.id),
        "name": org.name,
        "title": org.title,
        "display_name": org.title,
        "description": "",
        "image_url": "",
        "created": _iso(org.created),
        "type": "organization",
        "state": "active",
        "approval_status": "approved",
        "is_organization": True,
        "package_count": package_count or 0,
    }


def resource_dict(base: str, d: OpenDataset, dist: Distribution) -> dict[str, Any]:
    download = f"{base}/opendata/datasets/{d.name}/download"
    return {
        "id": dist.id,
        "package_id": d.name,
        "name": f"{d.title}（第{dist.version}版）",
        "description": f"{dist.row_count} 行",
        "format": "CSV",
        "mimetype": "text/csv",
        "url": f"{download}.csv?version={dist.version}",
        "url_type": None,
        "datastore_active": True,
        "created": _iso(dist.loaded_at),
        "last_modified": _iso(dist.loaded_at),
        "state": "active",
        "size": None,
        "alternate_urls": {
            "json": f"{download}.json?version={dist.version}",
            "parquet": f"{download}.parquet?version={dist.version}",
        },
    }


def package_dict(base: str, d: OpenDataset) -> dict[str, Any]:
    return {
        "id": d.name,
        "name": d.name,
        "title": d.title,
        "notes": d.notes,
        "type": "dataset",
        "state": "active",
        "private": False,
        "license_id": "cc-by",
        "license_title": "署名（CC BY 4.0）",
        "metadata_created": _iso(d.published_at),
        "metadata_modified": _iso(d.modified),
        "owner_org": str(d.organization.id),
        "organization": org_dict(d.organization),
        "tags": [{"name": t, "display_name": t, "state": "active"} for t in d.tags],
        "groups": [{"name": g, "title": g} for g in d.tags[:1]],
        "num_tags": len(d.tags),
        "resources": [resource_dict(base, d, dist) for dist in d.distributions],
        "num_resources": len(d.distributions),
        "extras": [
            {"key": "catalog_code", "value": d.code},
            {"key": "update_cycle", "value": d.spec.update_cycle.value},
        ],
        "url": f"{base}/opendata/datasets/{d.name}",
    }


# ---------------------------------------------------------------- package_search

FQ_TERM = re.compile(r'\s*(?P<neg>-)?(?P<key>[a-z_]+):(?:"(?P<quoted>[^"]*)"|(?P<bare>[^\s"]+))\s*')
FQ_KEYS = {
    "organization": lambda d: [d.organization.name],
    "tags": lambda d: list(d.tags),
    "res_format": lambda d: ["CSV", "JSON", "PARQUET"] if d.distributions else [],
    "name": lambda d: [d.name],
    "groups": lambda d: list(d.tags[:1]),
}
FACET_TITLES = {
    "organization": "部门",
    "tags": "标签",
    "res_format": "格式",
    "groups": "分组",
    "name": "名称",
}


def parse_fq(fq: str) -> list[tuple[bool, str, str]]:
    """fq as CKAN clients send it: `key:value` or `key:"value"` terms, optionally `+`/`-` prefixed,
    joined by spaces or AND. Anything else is refused, never passed on."""
    terms: list[tuple[bool, str, str]] = []
    rest = fq.strip()
    while rest:
        rest = re.sub(r"^(AND\s+|\+)", "", rest).lstrip()
        if not rest:
            break
        m = FQ_TERM.match(rest)
        if m is None or m.group("key") not in FQ_KEYS:
            raise CkanError("Search Query Error", f"无法解析的 fq：「{fq}」", 409, {"fq": ["不支持的条件"]})
        value = m.group("quoted") if m.group("quoted") is not None else m.group("bare")
        terms.append((bool(m.group("neg")), m.group("key"), value))
        rest = rest[m.end() :]
    return terms


def _matches_q(d: OpenDataset, q: str) -> bool:
    if q in ("*:*", "*"):
        return True
    haystack = " ".join([d.name, d.title, d.notes, d.organization.title, *d.tags]).lower()
    return all(word.lower() in haystack for word in q.split())


SORTS: dict[str, Callable[[OpenDataset], Any]] = {
    "name": lambda d: d.name,
    "title_string": lambda d: d.title,
    "title": lambda d: d.title,
    "metadata_modified": lambda d: d.modified.isoformat() if d.modified else "",
    "metadata_created": lambda d: d.published_at.isoformat() if d.published_at else "",
    "num_resources": lambda d: len(d.distributions),
}


def _sort(datasets: list[OpenDataset], sort: str | None) -> list[OpenDataset]:
    if not sort:
        return datasets
    for clause in reversed([c.strip() for c in sort.split(",") if c.strip()]):
        words = clause.split()
        if words[0] == "score":
            continue
        if words[0] not in SORTS or len(words) > 2 or (len(words) == 2 and words[1] not in ("asc", "desc")):
            raise validation("sort", f"不支持的排序「{clause}」")
        datasets = sorted(datasets, key=SORTS[words[0]], reverse=len(words) == 2 and words[1] == "desc")
    return datasets


def package_search(ctx: Context) -> dict[str, Any]:
    p = ctx.params
    rows = _int(p, "rows", 10, MAX_ROWS)
    start = _int(p, "start", 0)
    q = _str(p, "q") or "*:*"
    terms = parse_fq(_str(p, "fq") or "")
    facet_fields = _json_param(p, "facet.field", list) or []
    for name in facet_fields:
        if name not in FQ_KEYS:
            raise validation("facet.field", f"不支持的分面字段「{name}」")
    found = [
        d
        for d in ctx.datasets()
        if _matches_q(d, q) and all((value in FQ_KEYS[key](d)) != neg for neg, key, value in terms)
    ]
    found = _sort(found, _str(p, "sort"))
    facets: dict[str, dict[str, int]] = {}
    search_facets: dict[str, Any] = {}
    titles = {d.organization.name: d.organization.title for d in found}
    for name in facet_fields:
        counts = Counter(v for d in found for v in FQ_KEYS[name](d))
        facets[name] = dict(counts)
        search_facets[name] = {
            "title": FACET_TITLES[name],
            "items": [
                {"name": k, "display_name": titles.get(k, k) if name == "organization" else k, "count": n}
                for k, n in counts.most_common()
            ],
        }
    return {
        "count": len(found),
        "sort": _str(p, "sort") or "score desc, metadata_modified desc",
        "facets": facets,
        "search_facets": search_facets,
        "results": [package_dict(ctx.base, d) for d in found[start : start + rows]],
    }


# ---------------------------------------------------------------- the other actions


def package_list(ctx: Context) -> list[str]:
    names = sorted(d.name for d in ctx.datasets())
    limit = _int(ctx.params, "limit", len(names))
    offset = _int(ctx.params, "offset", 0)
    return names[offset : offset + limit]


def package_show(ctx: Context) -> dict[str, Any]:
    key = _str(ctx.params, "id") or _str(ctx.params, "name")
    if key is None:
        raise validation("id", "缺少参数 id")
    return package_dict(ctx.base, ctx.dataset(key))


def _org_counts(ctx: Context) -> Counter[str]:
    return Counter(d.organization.name for d in ctx.datasets())


def organization_list(ctx: Context) -> list[Any]:
    counts = _org_counts(ctx)
    orgs = service.organizations(ctx.session)
    all_fields = str(ctx.params.get("all_fields", "")).lower() in ("true", "1", "yes")
    if all_fields:
        return [org_dict(o, counts[o.name]) for o in orgs]
    return [o.name for o in orgs]


def organization_show(ctx: Context) -> dict[str, Any]:
    key = _str(ctx.params, "id", required=True)
    for org in service.organizations(ctx.session):
        if key in (org.name, str(org.id)):
            datasets = [d for d in ctx.datasets() if d.organization.name == org.name]
            result = org_dict(org, len(datasets))
            if str(ctx.params.get("include_datasets", "")).lower() in ("true", "1"):
                result["packages"] = [package_dict(ctx.base, d) for d in datasets]
            return result
    raise not_found(f"没有名为「{key}」的组织")


def group_list(ctx: Context) -> list[Any]:
    counts = Counter(g for d in ctx.datasets() for g in d.tags[:1])
    if str(ctx.params.get("all_fields", "")).lower() in ("true", "1"):
        return [
            {"id": g, "name": g, "title": g, "display_name": g, "package_count": n, "type": "group"}
            for g, n in sorted(counts.items())
        ]
    return sorted(counts)


def tag_list(ctx: Context) -> list[str]:
    query = _str(ctx.params, "query")
    tags = sorted({t for d in ctx.datasets() for t in d.tags})
    return [t for t in tags if query is None or query in t]


def resource_show(ctx: Context) -> dict[str, Any]:
    key = _str(ctx.params, "id", required=True)
    d, dist = ctx.distribution(key)  # type: ignore[arg-type]
    return resource_dict(ctx.base, d, dist)


def datastore_search(ctx: Context) -> dict[str, Any]:
    p = ctx.params
    resource_id = _str(p, "resource_id", required=True) or _str(p, "id")
    d, dist = ctx.distribution(resource_id)  # type: ignore[arg-type]
    requested = _int(p, "limit", 100)
    limit, capped = service.row_limit(requested, ctx.has_key)
    fields = _json_param(p, "fields", list)
    query = service.Query(
        filters=_json_param(p, "filters", dict) or {},
        q=_str(p, "q"),
        fields=[str(f) for f in fields] if fields else None,
        sort=_str(p, "sort"),
        limit=limit,
        offset=_int(p, "offset", 0),
    )
    page = service.search(d, dist, query)
    service.count_use(ctx.session, d.code, "api")
    result: dict[str, Any] = {
        "resource_id": dist.id,
        "fields": [
            {"id": f.name, "type": service.CKAN_TYPES[f.data_type], "info": {"label": f.label}}
            for f in page.fields
        ],
        "records": page.records,
        "total": page.total,
        "limit": limit,
        "offset": query.offset,
        "_links": {
            "start": f"/api/3/action/datastore_search?resource_id={dist.id}",
            "next": f"/api/3/action/datastore_search?resource_id={dist.id}&offset={query.offset + limit}",
        },
    }
    if capped:
        result["limit_capped"] = True
        result["limit_note"] = f"每次最多返回 {limit} 行" + (
            "" if ctx.has_key else f"；使用开发者密钥可达 {service.KEY_LIMIT} 行"
        )
    return result


ACTIONS: dict[str, Callable[[Context], Any]] = {
    "package_list": package_list,
    "package_search": package_search,
    "package_show": package_show,
    "organization_list": organization_list,
    "organization_show": organization_show,
    "group_list": group_list,
    "tag_list": tag_list,
    "resource_show": resource_show,
    "datastore_search": datastore_search,
}


class Context:
    def __init__(self, session: Session, params: dict[str, Any], base: str, has_key: bool):
        self.session, self.params, self.base, self.has_key = session, params, base, has_key
        self._datasets: list[OpenDataset] | None = None

    def datasets(self) -> list[OpenDataset]:
        if self._datasets is None:
            self._datasets = service.open_datasets(self.session)
        return self._datasets

    def dataset(self, key: str) -> OpenDataset:
        for d in self.datasets():
            if key in (d.name, d.code):
                return d
        raise not_found(f"没有名为「{key}」的开放数据集")

    def distribution(self, key: str) -> tuple[OpenDataset, Distribution]:
        for d in self.datasets():
            for dist in d.distributions:
                if dist.id == key:
                    return d, dist
        raise not_found(f"没有编号为「{key}」的开放数据资源")


# ---------------------------------------------------------------- the endpoint


async def _params(request: Request) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for key in request.query_params:
        values = request.query_params.getlist(key)
        params[key] = values[0] if len(values) == 1 else values
    if request.method == "POST":
        body = await request.body()
        if body:
            if "form" in request.headers.get("content-type", ""):
                form = await request.form()
                params.update({k: v for k, v in form.items() if isinstance(v, str)})
            else:
                try:
                    data = json.loads(body)
                except ValueError:
                    raise CkanError("Validation Error", "请求体不是合法的 JSON", 400) from None
                if not isinstance(data, dict):
                    raise CkanError("Validation Error", "请求体必须是 JSON 对象", 400)
                params.update(data)
    return params


def _api_key(request: Request) -> str | None:
    raw = request.headers.get("x-ckan-api-key") or request.headers.get("authorization")
    if raw and raw.lower().startswith("bearer "):
        raw = raw[7:]
    return raw.strip() if raw else None


ERROR_KINDS = {
    NotFound: ("Not Found Error", 404),
    PermissionDenied: ("Authorization Error", 403),
    NotAuthenticated: ("Authorization Error", 403),
}


def envelope(help_url: str, ok: bool, payload: Any, status: int = 200) -> JSONResponse:
    body = {"help": help_url, "success": ok, ("result" if ok else "error"): payload}
    return JSONResponse(body, status_code=status)


async def call_action(request: Request, action: str, session: Session) -> JSONResponse:
    help_url = f"{str(request.base_url).rstrip('/')}/api/3/action/help_show?name={action}"
    handler = ACTIONS.get(action)
    if handler is None:
        return envelope(
            help_url, False, {"__type": "Not Found Error", "message": f"没有动作「{action}」"}, 400
        )
    try:
        params = await _params(request)
        key = service.check_api_key(session, _api_key(request))
        ctx = Context(session, params, str(request.base_url).rstrip("/"), key is not None)
        # DuckDB reads block: run them off the event loop.
        result = await run_in_threadpool(handler, ctx)
        return envelope(help_url, True, result)
    except CkanError as e:
        return envelope(help_url, False, {"__type": e.kind, "message": e.message, **e.extra}, e.status)
    except DomainError as e:
        kind, status = ERROR_KINDS.get(type(e), ("Validation Error", 409))
        return envelope(help_url, False, {"__type": kind, "message": e.message}, status)


@router.api_route("/api/3/action/{action}", methods=["GET", "POST"], summary="CKAN Action API v3")
async def action_v3(request: Request, action: str, session: DbSession) -> JSONResponse:
    return await call_action(request, action, session)


@router.api_route("/api/action/{action}", methods=["GET", "POST"], summary="CKAN Action API（无版本号）")
async def action_plain(request: Request, action: str, session: DbSession) -> JSONResponse:
    return await call_action(request, action, session)
