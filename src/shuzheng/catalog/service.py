"""The data resource catalog (数据资源目录): compiling entries, review, publication, versions, browsing.

Lifecycle of a resource's versions (revisions):

    draft ──submit──▶ submitted ──approve──▶ published ──(a later version is published)──▶ superseded
      ▲                  │  │
      └────withdraw──────┘  └──reject (with a reason)──▶ rejected ──(edit, submit again)──▶ submitted

A data officer of the provider department (Perm.CATALOG_PUBLISH in that department's scope) creates and
edits drafts and submits them; the platform operator (Perm.CATALOG_REVIEW) approves or rejects.
Editing a published resource opens a new draft revision; the published version stays what everyone
reads until the new one is approved. Retiring a resource ends it for loading and sharing; its
versions stay readable. Every decision — submit, withdraw, approve, reject, retire — is appended to
the ledger in the same transaction. Functions take the session first and flush, never commit.

`published_spec(session, code)` is what ingest, quality and sharing call.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shuzheng.catalog import search, snapshots
from shuzheng.catalog.models import (
    HISTORY_REVISION_STATUSES,
    OPEN_REVISION_STATUSES,
    REVISION_STATUS_LABELS,
    CatalogEvent,
    CatalogField,
    CatalogResource,
    CatalogRevision,
    CatalogRule,
    ResourceStatus,
    RevisionStatus,
)
from shuzheng.catalog.spec import ResourceSpec
from shuzheng.catalog.validation import (
    PROVIDER_CODE,
    RESOURCE_CODE,
    FieldInput,
    Problems,
    ResourceInput,
    RuleInput,
    check_against_code,
    check_classification,
    check_resource,
)
from shuzheng.errors import Conflict, NotAuthenticated, NotFound, PermissionDenied, field_error
from shuzheng.kit import clock
from shuzheng.ledger import service as ledger
from shuzheng.org import service as org
from shuzheng.org.models import Department
from shuzheng.security.roles import Actor, Perm, require

MAX_PAGE_SIZE = 200
MAX_REASON = 1000

diff = snapshots.diff


# ---------------------------------------------------------------- who may do what


def require_staff(actor: Actor | None) -> Actor:
    """The 一本账 is for government staff (the public sees the open-data portal)."""
    if actor is None:
        raise NotAuthenticated()
    if not actor.is_staff:
        raise PermissionDenied("数据资源目录仅向政务工作人员开放")
    return actor


def can_edit(actor: Actor | None, resource: CatalogResource) -> bool:
    return actor is not None and actor.can(Perm.CATALOG_PUBLISH, department=resource.provider_department_id)


def can_review(actor: Actor | None) -> bool:
    return actor is not None and actor.can(Perm.CATALOG_REVIEW)


def can_see_drafts(actor: Actor | None, resource: CatalogResource) -> bool:
    return can_edit(actor, resource) or can_review(actor)


def _require_editor(actor: Actor | None, resource: CatalogResource) -> Actor:
    return require(actor, Perm.CATALOG_PUBLISH, department=resource.provider_department_id)


# ---------------------------------------------------------------- reading


def get_resource(session: Session, code: str) -> CatalogResource:
    code = (code or "").strip()
    resource = session.scalar(select(CatalogResource).where(CatalogResource.code == code))
    if resource is None:
        raise NotFound(f"数据资源目录中没有资源代码「{code}」", code="resource_not_found")
    return resource


def provider_of(session: Session, resource: CatalogResource) -> Department:
    return org.get_department(session, resource.provider_department_id)


def _provider_dict(dept: Department) -> dict[str, Any]:
    return {"id": dept.id, "code": dept.code, "name": dept.name}


def published_revision(session: Session, resource: CatalogResource) -> CatalogRevision | None:
    if resource.published_version is None:
        return None
    return _revision(session, resource, resource.published_version)


def _revision(session: Session, resource: CatalogResource, number: int) -> CatalogRevision | None:
    return session.scalar(
        select(CatalogRevision).where(
            CatalogRevision.resource_id == resource.id, CatalogRevision.number == number
        )
    )


def open_revision(session: Session, resource: CatalogResource) -> CatalogRevision | None:
    """The draft, submitted or rejected revision, if there is one (there is at most one)."""
    return session.scalar(
        select(CatalogRevision).where(
            CatalogRevision.resource_id == resource.id,
            CatalogRevision.status.in_([s.value for s in OPEN_REVISION_STATUSES]),
        )
    )


def published_spec(session: Session, code: str, *, version: int | None = None) -> ResourceSpec:
    """The published resource as loaders and consumers see it (the current version, or an earlier
    published one by number). Raises NotFound with a Chinese message for an unknown, unpublished or
    retired code.

    Every data-service call asks for this, so it is one query for the resource's state and its
    revision's digest; the spec itself is built once per frozen snapshot (keyed by its SM3 digest, so a
    cached spec can never be stale)."""
    code = (code or "").strip()
    wanted = CatalogResource.published_version if version is None else version
    row = session.execute(
        select(
            CatalogResource.id,
            CatalogResource.code,
            CatalogResource.name,
            CatalogResource.status,
            CatalogResource.published_version,
            CatalogRevision.status,
            CatalogRevision.snapshot_digest,
        )
        .outerjoin(
            CatalogRevision,
            (CatalogRevision.resource_id == CatalogResource.id) & (CatalogRevision.number == wanted),
        )
        .where(CatalogResource.code == code)
    ).one_or_none()
    if row is None:
        raise NotFound(f"数据资源目录中没有资源代码「{code}」", code="resource_not_found")
    resource_id, real_code, name, status, published, revision_status, digest = row
    if status == ResourceStatus.RETIRED:
        raise NotFound(f"数据资源「{real_code}」（{name}）已停用，不能再汇聚或共享", code="resource_retired")
    if published is None:
        raise NotFound(
            f"数据资源「{real_code}」（{name}）尚未发布：目录条目经审核发布后才能汇聚和共享",
            code="resource_unpublished",
        )
    if revision_status not in HISTORY_REVISION_STATUSES or digest is None:
        raise NotFound(f"数据资源「{real_code}」没有已发布的第{version}版", code="version_not_found")
    cached = _specs.get((resource_id, digest))
    if cached is None:
        snapshot = session.scalar(
            select(CatalogRevision.snapshot).where(
                CatalogRevision.resource_id == resource_id,
                CatalogRevision.number == (version if version is not None else published),
            )
        )
        if snapshot is None:
            raise NotFound(f"数据资源「{real_code}」没有已发布的第{version}版", code="version_not_found")
        cached = snapshots.to_spec(resource_id, snapshot)
        if len(_specs) >= _SPEC_CACHE_SIZE:
            _specs.clear()
        _specs[(resource_id, digest)] = cached
    return cached


_SPEC_CACHE_SIZE = 4096
_specs: dict[tuple[int, str], ResourceSpec] = {}


def published_specs(session: Session) -> list[ResourceSpec]:
    """Every published (not retired) resource's current spec, by code."""
    query = (
        select(CatalogResource.id, CatalogRevision.snapshot)
        .join(
            CatalogRevision,
            (CatalogRevision.resource_id == CatalogResource.id)
            & (CatalogRevision.number == CatalogResource.published_version),
        )
        .where(CatalogResource.status == ResourceStatus.PUBLISHED.value)
        .order_by(CatalogResource.code)
    )
    return [snapshots.to_spec(rid, snap) for rid, snap in session.execute(query)]


@dataclass(frozen=True)
class BrowseResult:
    total: int
    items: list[CatalogResource]
    providers: dict[int, Department]


def browse(
    session: Session,
    actor: Actor | None,
    *,
    query: str | None = None,
    department_id: int | None = None,
    catalog_type: str | None = None,
    theme: str | None = None,
    share_type: str | None = None,
    open_type: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> BrowseResult:
    """The 一本账: published resources, filtered and searched (Chinese, pinyin initials, full pinyin)."""
    require_staff(actor)
    conditions = [CatalogResource.status == ResourceStatus.PUBLISHED.value]
    text = search.matches(query)
    if text is not None:
        conditions.append(text)
    for column, value in (
        (CatalogResource.provider_department_id, department_id),
        (CatalogResource.catalog_type, catalog_type),
        (CatalogResource.theme, theme),
        (CatalogResource.share_type, share_type),
        (CatalogResource.open_type, open_type),
    ):
        if value not in (None, ""):
            conditions.append(column == value)
    total = session.scalar(select(func.count()).select_from(CatalogResource).where(*conditions)) or 0
    order = [*(m.desc() for m in search.name_matches(query)), CatalogResource.code]
    limit = max(1, min(int(limit), MAX_PAGE_SIZE))
    items = list(
        session.scalars(
            select(CatalogResource).where(*conditions).order_by(*order).limit(limit).offset(max(0, offset))
        )
    )
    return BrowseResult(total=total, items=items, providers=_departments(session))


def _departments(session: Session) -> dict[int, Department]:
    return {d.id: d for d in org.list_departments(session)}


@dataclass(frozen=True)
class Facets:
    total: int
    departments: list[tuple[Department, int]]
    catalog_types: dict[str, int]
    themes: dict[str, int]
    share_types: dict[str, int]
    open_types: dict[str, int]


def facets(session: Session, actor: Actor | None) -> Facets:
    """Counts of published resources by provider, type, theme, share and open type."""
    require_staff(actor)
    published = CatalogResource.status == ResourceStatus.PUBLISHED.value

    def counts(column: Any) -> dict[Any, int]:
        rows = session.execute(select(column, func.count()).where(published).group_by(column))
        return {k: int(n) for k, n in rows if k is not None}

    depts = _departments(session)
    by_dept = counts(CatalogResource.provider_department_id)
    return Facets(
        total=sum(by_dept.values()),
        departments=sorted(((depts[d], n) for d, n in by_dept.items()), key=lambda x: (-x[1], x[0].id)),
        catalog_types=counts(CatalogResource.catalog_type),
        themes=counts(CatalogResource.theme),
        share_types=counts(CatalogResource.share_type),
        open_types=counts(CatalogResource.open_type),
    )


def worklist(session: Session, actor: Actor | None) -> list[CatalogResource]:
    """The resources an officer compiles: those of the departments in their scope (all, for the
    operator), drafts and published alike."""
    actor = require(actor, Perm.CATALOG_PUBLISH)
    query = select(CatalogResource).order_by(CatalogResource.provider_department_id, CatalogResource.code)
    if not actor.can(Perm.CATALOG_REVIEW):
        query = query.where(CatalogResource.provider_department_id.in_(sorted(actor.scope) or [-1]))
    return [r for r in session.scalars(query) if can_edit(actor, r)]


@dataclass(frozen=True)
class QueueItem:
    resource: CatalogResource
    revision: CatalogRevision
    provider: Department
    is_new: bool  # no version published yet


def review_queue(session: Session, actor: Actor | None) -> list[QueueItem]:
    """Submitted revisions waiting for the operator, oldest first."""
    require(actor, Perm.CATALOG_REVIEW)
    rows = session.execute(
        select(CatalogResource, CatalogRevision)
        .join(CatalogRevision, CatalogRevision.resource_id == CatalogResource.id)
        .where(CatalogRevision.status == RevisionStatus.SUBMITTED.value)
        .order_by(CatalogRevision.submitted_at, CatalogRevision.id)
    ).all()
    depts = _departments(session)
    return [QueueItem(r, v, depts[r.provider_department_id], r.published_version is None) for r, v in rows]


@dataclass(frozen=True)
class VersionInfo:
    number: int
    status: str
    status_label: str
    snapshot: snapshots.Snapshot
    diff: dict[str, Any]  # from the previous published version
    revision: CatalogRevision


def revision_snapshot(
    session: Session, resource: CatalogResource, revision: CatalogRevision
) -> snapshots.Snapshot:
    """The frozen snapshot of a published version, or the current content of an open one."""
    if revision.snapshot is not None:
        return revision.snapshot
    return snapshots.snapshot(resource, revision, _provider_dict(provider_of(session, resource)))


def versions(session: Session, code: str, *, actor: Actor | None = None) -> list[VersionInfo]:
    """Every version, newest first, each with its diff from the published version before it. Open
    revisions (draft, submitted, rejected) only for those who may see drafts."""
    resource = get_resource(session, code)
    show_open = can_see_drafts(actor, resource)
    found: list[VersionInfo] = []
    previous: snapshots.Snapshot | None = None
    revisions = session.scalars(
        select(CatalogRevision)
        .where(CatalogRevision.resource_id == resource.id)
        .order_by(CatalogRevision.number)
    )
    for revision in revisions:  # oldest first
        status = RevisionStatus(revision.status)
        if status is RevisionStatus.DISCARDED or (status in OPEN_REVISION_STATUSES and not show_open):
            continue
        snap = revision_snapshot(session, resource, revision)
        change = revision.diff if revision.diff is not None else snapshots.diff(previous, snap)
        found.append(
            VersionInfo(revision.number, status.value, REVISION_STATUS_LABELS[status], snap, change, revision)
        )
        if status in HISTORY_REVISION_STATUSES:
            previous = snap
    return list(reversed(found))


def snapshot_of_version(session: Session, actor: Actor | None, code: str, number: int) -> snapshots.Snapshot:
    require_staff(actor)
    for info in versions(session, code, actor=actor):
        if info.number == number:
            return info.snapshot
    raise NotFound(f"数据资源「{code}」没有第{number}版（或无权查看）", code="version_not_found")


def events(session: Session, resource: CatalogResource) -> list[CatalogEvent]:
    return list(
        session.scalars(
            select(CatalogEvent)
            .where(CatalogEvent.resource_id == resource.id)
            .order_by(CatalogEvent.id.desc())
        )
    )


@dataclass
class ResourceView:
    """Everything a detail page or the API shows about one resource."""

    resource: CatalogResource
    provider: Department
    published: snapshots.Snapshot | None
    open: CatalogRevision | None  # only when the actor may see drafts
    open_snapshot: snapshots.Snapshot | None
    open_diff: dict[str, Any] | None
    history: list[VersionInfo]
    events: list[CatalogEvent]
    can_edit: bool
    can_review: bool
    related: list[CatalogResource] = field(default_factory=list)


def view(session: Session, actor: Actor | None, code: str) -> ResourceView:
    """A resource for a staff member: the published version for everyone; an unpublished resource and
    open revisions only for its editors and reviewers."""
    require_staff(actor)
    resource = get_resource(session, code)
    drafts = can_see_drafts(actor, resource)
    published = published_revision(session, resource)
    if published is None and not drafts:
        raise NotFound(f"数据资源「{resource.code}」尚未发布", code="resource_unpublished")
    open_rev = open_revision(session, resource) if drafts else None
    published_snap = published.snapshot if published is not None else None
    open_snap = revision_snapshot(session, resource, open_rev) if open_rev is not None else None
    shown = published_snap or open_snap or {}
    related = [
        r
        for r in session.scalars(
            select(CatalogResource).where(CatalogResource.code.in_(shown.get("related", [])))
        )
    ]
    return ResourceView(
        resource=resource,
        provider=provider_of(session, resource),
        published=published_snap,
        open=open_rev,
        open_snapshot=open_snap,
        open_diff=snapshots.diff(published_snap, open_snap) if open_snap is not None else None,
        history=versions(session, code, actor=actor),
        events=events(session, resource) if drafts else [],
        can_edit=can_edit(actor, resource) and resource.status != ResourceStatus.RETIRED,
        can_review=can_review(actor),
        related=related,
    )


def input_of(revision: CatalogRevision) -> ResourceInput:
    """A revision's content as the input it was made from (to edit it, or to check it again)."""
    return ResourceInput(
        name=revision.name,
        summary=revision.summary or "",
        catalog_type=revision.catalog_type,
        theme=revision.theme,
        format=revision.format,
        update_cycle=revision.update_cycle,
        source_system=revision.source_system or "",
        share_type=revision.share_type,
        share_conditions=revision.share_conditions or "",
        share_method=revision.share_method,
        open_type=revision.open_type,
        open_conditions=revision.open_conditions or "",
        related=list(revision.related_codes or []),
        fields=[
            FieldInput(
                name=f.name,
                label=f.label,
                data_type=f.data_type,
                required=f.required,
                is_key=f.is_key,
                level=f.level,
                sensitive_pi=f.sensitive_pi,
                share_type=f.share_type,
                open_type=f.open_type,
                identifier=f.identifier,
                code_list=list(f.code_list) if f.code_list else None,
                pattern=f.pattern,
                min_value=f.min_value,
                max_value=f.max_value,
                max_length=f.max_length,
                to_simplified=f.to_simplified,
                description=f.description or "",
            )
            for f in revision.fields
        ],
        rules=[RuleInput(kind=r.kind, fields=list(r.fields), message=r.message) for r in revision.rules],
    )


# ---------------------------------------------------------------- compiling drafts


def _check(
    session: Session,
    data: ResourceInput,
    *,
    complete: bool,
    code: str | None,
    also_known: Collection[str] = (),
) -> ResourceInput:
    found = Problems()
    clean = check_resource(data, complete=complete, problems=found)
    if code is not None:
        check_against_code(code, clean, found)
    _check_related(session, clean.related, code, found, also_known)
    found.raise_if_any()
    return clean


def _check_related(
    session: Session,
    codes: Sequence[str],
    own: str | None,
    problems: Problems,
    also_known: Collection[str] = (),
) -> None:
    """Related codes must exist (or be in `also_known`: created in the same transaction, e.g. by the
    same Excel import)."""
    if not codes:
        return
    known = set(session.scalars(select(CatalogResource.code).where(CatalogResource.code.in_(list(codes)))))
    known |= set(also_known)
    for code in codes:
        if code == own:
            problems.add("related", "关联资源：不能关联资源自身")
        elif code not in known:
            problems.add("related", f"关联资源：资源代码「{code}」不存在")


def create_resource(
    session: Session,
    actor: Actor | None,
    *,
    provider_department_id: int,
    data: ResourceInput,
    classification: str | None = None,
    code: str | None = None,
    also_known: Collection[str] = (),
) -> CatalogRevision:
    """A new resource with its first draft. The code is assigned (`{classification}-{provider}-{seq}`)
    unless given — a department exchanging its own catalog keeps the codes it compiled."""
    require(actor, Perm.CATALOG_PUBLISH, department=provider_department_id)
    assert actor is not None
    dept = org.get_department(session, provider_department_id)
    if not PROVIDER_CODE.fullmatch(dept.code):
        raise field_error(
            "provider", f"部门编码「{dept.code}」含有字母、数字、下划线以外的字符，无法编入资源代码"
        )
    problems = Problems()
    clean = check_resource(data, problems=problems)
    sequence = None
    if code:
        code = code.strip()
        sequence, classification = _explicit_code(session, code, dept, problems)
    classification = check_classification(classification, clean.catalog_type, clean.theme, problems)
    if code:
        check_against_code(code, clean, problems)
    _check_related(session, clean.related, code, problems, also_known)
    problems.raise_if_any()
    if sequence is None:
        sequence = _next_sequence(session, dept.id)
        code = f"{classification}-{dept.code}-{sequence:05d}"
    assert code is not None
    resource = CatalogResource(
        code=code,
        classification=classification,
        sequence=sequence,
        provider_department_id=dept.id,
        status=ResourceStatus.DRAFT.value,
        created_by_id=actor.account_id,
        created_at=clock.now(),
    )
    _index_draft(resource, clean)
    revision = CatalogRevision(number=1, status=RevisionStatus.DRAFT.value, created_by_id=actor.account_id)
    _write(revision, clean)
    resource.revisions.append(revision)
    try:
        with session.begin_nested():
            session.add(resource)
            session.flush()
    except IntegrityError:
        raise Conflict(
            f"资源代码「{code}」已被占用，请重试或更换顺序号", code="resource_code_taken"
        ) from None
    _event(session, resource, revision, actor, "create")
    return revision


def _explicit_code(
    session: Session, code: str, dept: Department, problems: Problems
) -> tuple[int | None, str]:
    match = RESOURCE_CODE.fullmatch(code)
    if match is None:
        problems.add(
            "code",
            f"资源代码：「{code}」格式不正确，应为 类项目细目(9位)-提供方编码-顺序号(5位)，如 101001001-gaj-00001",
        )
        return None, ""
    if match["provider"] != dept.code:
        problems.add(
            "code", f"资源代码：第二段应为提供方部门编码「{dept.code}」，现为「{match['provider']}」"
        )
    sequence = int(match["sequence"])
    if sequence == 0:
        problems.add("code", "资源代码：顺序号应从00001开始")
    if session.scalar(select(CatalogResource.id).where(CatalogResource.code == code)) is not None:
        problems.add("code", f"资源代码：「{code}」已存在")
    return sequence, match["classification"]


def _next_sequence(session: Session, department_id: int) -> int:
    current = session.scalar(
        select(func.max(CatalogResource.sequence)).where(
            CatalogResource.provider_department_id == department_id
        )
    )
    return int(current or 0) + 1


def _index_draft(resource: CatalogResource, clean: ResourceInput) -> None:
    """Before its first publication a resource is listed (to its editors) under its draft's name."""
    resource.name = clean.name
    resource.catalog_type = clean.catalog_type
    resource.theme = clean.theme
    resource.share_type = clean.share_type
    resource.open_type = clean.open_type
    resource.update_cycle = clean.update_cycle


def _write(revision: CatalogRevision, clean: ResourceInput) -> None:
    revision.name = clean.name
    revision.summary = clean.summary
    revision.catalog_type = clean.catalog_type
    revision.theme = clean.theme
    revision.format = clean.format
    revision.update_cycle = clean.update_cycle
    revision.source_system = clean.source_system
    revision.share_type = clean.share_type
    revision.share_conditions = clean.share_conditions
    revision.share_method = clean.share_method
    revision.open_type = clean.open_type
    revision.open_conditions = clean.open_conditions
    revision.related_codes = list(clean.related)
    revision.updated_at = clock.now()
    revision.fields = [
        CatalogField(
            position=i,
            name=f.name,
            label=f.label,
            data_type=f.data_type,
            required=f.required,
            is_key=f.is_key,
            level=f.level,
            sensitive_pi=f.sensitive_pi,
            share_type=f.share_type,
            open_type=f.open_type,
            identifier=f.identifier,
            code_list=f.code_list,
            pattern=f.pattern,
            min_value=f.min_value,
            max_value=f.max_value,
            max_length=f.max_length,
            to_simplified=f.to_simplified,
            description=f.description,
        )
        for i, f in enumerate(clean.fields)
    ]
    revision.rules = [
        CatalogRule(position=i, kind=r.kind, fields=list(r.fields), message=r.message)
        for i, r in enumerate(clean.rules)
    ]


@dataclass(frozen=True)
class SaveOutcome:
    revision: CatalogRevision
    changed: bool  # False: the content was already exactly this (nothing written)
    new_revision: bool  # True: editing a published resource opened a new revision


def save_draft(
    session: Session, actor: Actor | None, code: str, data: ResourceInput, *, also_known: Collection[str] = ()
) -> SaveOutcome:
    """Edit a resource: its open draft (or rejected revision), or — for a published resource without
    one — a new draft revision. Saving the content it already has changes nothing."""
    resource = get_resource(session, code)
    actor = _require_editor(actor, resource)
    if resource.status == ResourceStatus.RETIRED:
        raise Conflict(f"资源「{resource.code}」已停用，不能修改", code="resource_retired")
    clean = _check(session, data, complete=False, code=resource.code, also_known=also_known)
    revision = open_revision(session, resource)
    current = revision or published_revision(session, resource)
    if current is not None and _same_content(current, clean):
        return SaveOutcome(current, changed=False, new_revision=False)
    if revision is not None and revision.status == RevisionStatus.SUBMITTED:
        raise Conflict("该资源已提交审核，审核完成前不能修改；如需修改请先撤回", code="revision_submitted")
    new_revision = revision is None
    if revision is None:
        revision = CatalogRevision(
            number=_next_number(session, resource),
            status=RevisionStatus.DRAFT.value,
            created_by_id=actor.account_id,
            created_at=clock.now(),
        )
        resource.revisions.append(revision)
    else:
        # Replace the rows in a flush of their own: new rows with the same names must not be inserted
        # while the old ones (same unique revision+name) still exist.
        revision.fields.clear()
        revision.rules.clear()
        session.flush()
    _write(revision, clean)
    if resource.published_version is None:
        _index_draft(resource, clean)
    session.flush()
    _event(session, resource, revision, actor, "revise")
    return SaveOutcome(revision, changed=True, new_revision=new_revision)


def _next_number(session: Session, resource: CatalogResource) -> int:
    current = session.scalar(
        select(func.max(CatalogRevision.number)).where(CatalogRevision.resource_id == resource.id)
    )
    return int(current or 0) + 1


def _same_content(revision: CatalogRevision, clean: ResourceInput) -> bool:
    return _comparable(input_of(revision)) == _comparable(clean)


def _comparable(data: ResourceInput) -> dict[str, Any]:
    from dataclasses import asdict

    d = asdict(data)
    for f in d["fields"]:
        f["code_list"] = f["code_list"] or None
        f["description"] = f["description"] or ""
    d["theme"] = d["theme"] or None
    return d


# ---------------------------------------------------------------- decisions


def submit(session: Session, actor: Actor | None, code: str) -> CatalogRevision:
    """Send the open draft to the operator. It must be complete and differ from the published version."""
    resource = get_resource(session, code)
    actor = _require_editor(actor, resource)
    _not_retired(resource)
    revision = open_revision(session, resource)
    if revision is None:
        raise Conflict("没有可提交的草稿：请先编辑目录条目", code="no_draft")
    if revision.status == RevisionStatus.SUBMITTED:
        raise Conflict(f"第{revision.number}版已提交审核，请等待审核结果", code="revision_submitted")
    _check(session, input_of(revision), complete=True, code=resource.code)
    published = published_revision(session, resource)
    if published is not None and _same_content(published, input_of(revision)):
        raise Conflict("草稿与现行版本内容相同，无需提交审核", code="no_changes")
    revision.status = RevisionStatus.SUBMITTED.value
    revision.submitted_by_id = actor.account_id
    revision.submitted_at = clock.now()
    snap = revision_snapshot(session, resource, revision)
    _decision(session, resource, revision, actor, "submit", digest=snapshots.digest(snap))
    return revision


def withdraw(session: Session, actor: Actor | None, code: str) -> CatalogRevision:
    """Take a submitted revision back to draft (before the operator has decided)."""
    resource = get_resource(session, code)
    actor = _require_editor(actor, resource)
    revision = _submitted(session, resource)
    revision.status = RevisionStatus.DRAFT.value
    _decision(session, resource, revision, actor, "withdraw")
    return revision


def approve(
    session: Session, actor: Actor | None, code: str, *, version: int | None = None
) -> CatalogRevision:
    """Publish the submitted revision: freeze its snapshot and its diff from the previous version,
    supersede the previous version, re-index the resource for search. `version`, when given, must be
    the number the reviewer looked at."""
    actor = require(actor, Perm.CATALOG_REVIEW)
    resource = get_resource(session, code)
    _not_retired(resource)
    revision = _submitted(session, resource, version)
    _check(session, input_of(revision), complete=True, code=resource.code)
    previous = published_revision(session, resource)
    now = clock.now()
    revision.status = RevisionStatus.PUBLISHED.value
    revision.reviewed_by_id = actor.account_id
    revision.reviewed_at = now
    revision.review_reason = None
    revision.publish_date = clock.today_in_china()
    dept = provider_of(session, resource)
    snap = snapshots.snapshot(resource, revision, _provider_dict(dept))
    revision.snapshot = snap
    revision.diff = snapshots.diff(previous.snapshot if previous is not None else None, snap)
    revision.snapshot_digest = snapshots.digest(snap)
    if previous is not None:
        previous.status = RevisionStatus.SUPERSEDED.value
    resource.status = ResourceStatus.PUBLISHED.value
    resource.published_version = revision.number
    resource.published_at = now
    _index_draft(resource, input_of(revision))
    resource.search_key = search.search_key(snap, dept.name, dept.short_name)
    session.flush()
    _decision(
        session,
        resource,
        revision,
        actor,
        "approve",
        digest=revision.snapshot_digest,
        changes=_change_counts(revision.diff),
    )
    return revision


def reject(
    session: Session, actor: Actor | None, code: str, reason: str, *, version: int | None = None
) -> CatalogRevision:
    """Send the submitted revision back to the provider with a reason; they edit and submit again."""
    actor = require(actor, Perm.CATALOG_REVIEW)
    reason = _reason(reason, "退回理由")
    resource = get_resource(session, code)
    revision = _submitted(session, resource, version)
    revision.status = RevisionStatus.REJECTED.value
    revision.reviewed_by_id = actor.account_id
    revision.reviewed_at = clock.now()
    revision.review_reason = reason
    _decision(session, resource, revision, actor, "reject", reason=reason)
    return revision


def retire(session: Session, actor: Actor | None, code: str, reason: str) -> CatalogResource:
    """Stop a resource (by its provider's data officer or the operator): no more loading or sharing;
    its versions stay readable. An unfinished revision is discarded."""
    resource = get_resource(session, code)
    if not (can_edit(actor, resource) or can_review(actor)):
        _require_editor(actor, resource)
    assert actor is not None
    reason = _reason(reason, "停用理由")
    _not_retired(resource)
    revision = open_revision(session, resource)
    if revision is not None:
        revision.status = RevisionStatus.DISCARDED.value
    resource.status = ResourceStatus.RETIRED.value
    resource.retired_at = clock.now()
    resource.retired_reason = reason
    number = resource.published_version or (revision.number if revision is not None else 1)
    session.flush()
    _event(session, resource, number, actor, "retire", reason)
    _ledger(session, resource, number, actor, "retire", reason=reason)
    return resource


def _not_retired(resource: CatalogResource) -> None:
    if resource.status == ResourceStatus.RETIRED:
        raise Conflict(f"资源「{resource.code}」已停用", code="resource_retired")


def _submitted(session: Session, resource: CatalogResource, version: int | None = None) -> CatalogRevision:
    revision = open_revision(session, resource)
    if revision is None or revision.status != RevisionStatus.SUBMITTED:
        raise Conflict(f"资源「{resource.code}」没有待审核的版本", code="nothing_to_review")
    if version is not None and version != revision.number:
        raise Conflict(
            f"待审核的是第{revision.number}版，不是第{version}版：内容已变化，请刷新后重新审核",
            code="version_changed",
        )
    return revision


def _reason(reason: str | None, label: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise field_error("reason", f"请填写{label}")
    if len(text) > MAX_REASON:
        raise field_error("reason", f"{label}不能超过{MAX_REASON}个字")
    return text


def _change_counts(d: dict[str, Any] | None) -> dict[str, int]:
    if not d:
        return {}
    return {
        "attributes": len(d["attributes"]),
        "fields_added": len(d["fields_added"]),
        "fields_removed": len(d["fields_removed"]),
        "fields_changed": len(d["fields_changed"]),
    }


def _decision(
    session: Session,
    resource: CatalogResource,
    revision: CatalogRevision,
    actor: Actor,
    action: str,
    *,
    reason: str | None = None,
    **payload: Any,
) -> None:
    session.flush()
    _event(session, resource, revision, actor, action, reason)
    _ledger(session, resource, revision.number, actor, action, reason=reason, **payload)


def _event(
    session: Session,
    resource: CatalogResource,
    revision: CatalogRevision | int,
    actor: Actor,
    action: str,
    reason: str | None = None,
) -> None:
    number = revision if isinstance(revision, int) else revision.number
    session.add(
        CatalogEvent(
            resource_id=resource.id,
            revision_number=number,
            action=action,
            actor_id=actor.account_id,
            actor_name=actor.display_name[:64],
            reason=reason,
            at=clock.now(),
        )
    )
    session.flush()


def _ledger(
    session: Session,
    resource: CatalogResource,
    number: int,
    actor: Actor,
    action: str,
    *,
    reason: str | None = None,
    **extra: Any,
) -> None:
    """The evidence of a decision. Catalog metadata holds no personal data; the reason is the
    reviewer's own words about the entry."""
    payload: dict[str, Any] = {
        "code": resource.code,
        "name": resource.name,
        "version": number,
        "provider_department_id": resource.provider_department_id,
        **extra,
    }
    if reason is not None:
        payload["reason"] = reason
    ledger.append(
        session, action=f"catalog.{action}", subject=f"resource:{resource.code}", payload=payload, actor=actor
    )
