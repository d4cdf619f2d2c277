"""Versions as data: the snapshot of a revision (plain JSON, frozen on publication), the diff between two
snapshots (resource attributes, fields added/removed/changed attribute by attribute, rules), and the
spec.ResourceSpec that loaders and consumers read."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from shuzheng.catalog import spec
from shuzheng.catalog.models import (
    CATALOG_TYPE_LABELS,
    DATA_TYPE_LABELS,
    FORMAT_LABELS,
    IDENTIFIER_LABELS,
    LEVEL_LABELS,
    OPEN_TYPE_LABELS,
    RULE_KIND_LABELS,
    SHARE_METHOD_LABELS,
    SHARE_TYPE_LABELS,
    THEMES,
    UPDATE_CYCLE_LABELS,
    CatalogField,
    CatalogResource,
    CatalogRevision,
    CatalogRule,
)
from shuzheng.catalog.validation import FIELD_LABELS, RESOURCE_LABELS, bound_value
from shuzheng.ledger.service import canonical_json
from shuzheng.security.crypto.sm3 import sm3_hex

Snapshot = dict[str, Any]

SNAPSHOT_VERSION = 1
RESOURCE_ATTRIBUTES = (
    "name",
    "summary",
    "catalog_type",
    "theme",
    "format",
    "update_cycle",
    "source_system",
    "share_type",
    "share_conditions",
    "share_method",
    "open_type",
    "open_conditions",
    "related",
)
FIELD_ATTRIBUTES = tuple(FIELD_LABELS)

# How each attribute's stored value reads to people.
VALUE_LABELS: dict[str, Mapping[Any, str]] = {
    "catalog_type": CATALOG_TYPE_LABELS,
    "theme": THEMES,
    "format": FORMAT_LABELS,
    "update_cycle": UPDATE_CYCLE_LABELS,
    "share_type": SHARE_TYPE_LABELS,
    "share_method": SHARE_METHOD_LABELS,
    "open_type": OPEN_TYPE_LABELS,
    "level": LEVEL_LABELS,
    "data_type": DATA_TYPE_LABELS,
    "identifier": IDENTIFIER_LABELS,
    "kind": RULE_KIND_LABELS,
}


def display(attribute: str, value: Any) -> str:
    """A stored value as people read it: labels for codes, 是/否, lists joined with 、."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list | tuple):
        return "、".join(str(v) for v in value)
    labels = VALUE_LABELS.get(attribute)
    if labels is not None:
        for key, label in labels.items():
            if str(key) == str(value):
                return label
    return str(value)


# ---------------------------------------------------------------- snapshots


def field_snapshot(f: CatalogField) -> dict[str, Any]:
    return {
        "name": f.name,
        "label": f.label,
        "data_type": f.data_type,
        "required": f.required,
        "is_key": f.is_key,
        "level": f.level,
        "sensitive_pi": f.sensitive_pi,
        "share_type": f.share_type,
        "open_type": f.open_type,
        "identifier": f.identifier,
        "code_list": list(f.code_list) if f.code_list else None,
        "pattern": f.pattern,
        "min_value": f.min_value,
        "max_value": f.max_value,
        "max_length": f.max_length,
        "to_simplified": f.to_simplified,
        "description": f.description or "",
    }


def rule_snapshot(r: CatalogRule) -> dict[str, Any]:
    return {"kind": r.kind, "fields": list(r.fields), "message": r.message}


def snapshot(resource: CatalogResource, revision: CatalogRevision, provider: Mapping[str, Any]) -> Snapshot:
    """The whole version as plain JSON. `provider` is {"id", "code", "name"} of the department."""
    return {
        "snapshot_version": SNAPSHOT_VERSION,
        "code": resource.code,
        "version": revision.number,
        "classification": resource.classification,
        "provider": dict(provider),
        "name": revision.name,
        "summary": revision.summary or "",
        "catalog_type": revision.catalog_type,
        "theme": revision.theme,
        "format": revision.format,
        "update_cycle": revision.update_cycle,
        "source_system": revision.source_system or "",
        "share_type": revision.share_type,
        "share_conditions": revision.share_conditions or "",
        "share_method": revision.share_method,
        "open_type": revision.open_type,
        "open_conditions": revision.open_conditions or "",
        "related": list(revision.related_codes or []),
        "publish_date": revision.publish_date.isoformat() if revision.publish_date else None,
        "fields": [field_snapshot(f) for f in revision.fields],
        "rules": [rule_snapshot(r) for r in revision.rules],
    }


def digest(snap: Snapshot) -> str:
    """SM3 of the canonical JSON: what a ledger entry names as the approved content."""
    return sm3_hex(canonical_json(snap).encode())


def content_equal(a: Snapshot | None, b: Snapshot | None) -> bool:
    """Same content, whatever the version number and publish date."""
    if a is None or b is None:
        return False
    return _content(a) == _content(b)


def _content(snap: Snapshot) -> dict[str, Any]:
    return {k: v for k, v in snap.items() if k not in ("version", "publish_date", "snapshot_version")}


# ---------------------------------------------------------------- diffs


def diff(a: Snapshot | None, b: Snapshot) -> dict[str, Any]:
    """What changed from version `a` to version `b` (a=None: `b` is the first version).

    {"from": n|None, "to": m, "attributes": [{attribute, label, before, after}],
     "fields_added": [field], "fields_removed": [field],
     "fields_changed": [{name, label, changes: [{attribute, label, before, after}]}],
     "rules_added": [rule], "rules_removed": [rule], "empty": bool}
    Fields are matched by name (a renamed field is one removed and one added)."""
    before: Snapshot = a or {"fields": [], "rules": []}
    attributes = [
        {"attribute": k, "label": RESOURCE_LABELS[k], "before": before.get(k), "after": b.get(k)}
        for k in RESOURCE_ATTRIBUTES
        if a is not None and _norm(before.get(k)) != _norm(b.get(k))
    ]
    old = {f["name"]: f for f in before["fields"]}
    new = {f["name"]: f for f in b["fields"]}
    changed = []
    for name, f in new.items():
        if name in old:
            changes = [
                {"attribute": k, "label": FIELD_LABELS[k], "before": old[name].get(k), "after": f.get(k)}
                for k in FIELD_ATTRIBUTES
                if _norm(old[name].get(k)) != _norm(f.get(k))
            ]
            if changes:
                changes.sort(key=lambda c: FIELD_ATTRIBUTES.index(c["attribute"]))
                changed.append({"name": name, "label": f["label"], "changes": changes})
    old_rules, new_rules = before["rules"], b["rules"]
    result = {
        "from": a.get("version") if a is not None else None,
        "to": b.get("version"),
        "attributes": attributes,
        "fields_added": [f for n, f in new.items() if n not in old],
        "fields_removed": [f for n, f in old.items() if n not in new],
        "fields_changed": changed,
        "rules_added": [r for r in new_rules if r not in old_rules],
        "rules_removed": [r for r in old_rules if r not in new_rules],
    }
    result["empty"] = not any(result[k] for k in result if k not in ("from", "to"))
    return result


def _norm(value: Any) -> Any:
    """None, "" and [] all mean "not set"."""
    return None if value in (None, "", []) else value


def diff_lines(d: Mapping[str, Any]) -> list[str]:
    """The diff as sentences, for the CLI and plain-text views."""
    lines = [
        f"{c['label']}：{display(c['attribute'], c['before'])} → {display(c['attribute'], c['after'])}"
        for c in d["attributes"]
    ]
    lines += [f"新增信息项：{f['label']}（{f['name']}）" for f in d["fields_added"]]
    lines += [f"删除信息项：{f['label']}（{f['name']}）" for f in d["fields_removed"]]
    for f in d["fields_changed"]:
        parts = "；".join(
            f"{c['label']} {display(c['attribute'], c['before'])} → {display(c['attribute'], c['after'])}"
            for c in f["changes"]
        )
        lines.append(f"修改信息项 {f['label']}（{f['name']}）：{parts}")
    lines += [f"新增校验规则：{r['message']}" for r in d["rules_added"]]
    lines += [f"删除校验规则：{r['message']}" for r in d["rules_removed"]]
    return lines


# ---------------------------------------------------------------- the contract


def to_spec(resource_id: int, snap: Snapshot) -> spec.ResourceSpec:
    return spec.ResourceSpec(
        id=resource_id,
        code=snap["code"],
        name=snap["name"],
        provider_department_id=int(snap["provider"]["id"]),
        update_cycle=spec.UpdateCycle(snap["update_cycle"]),
        share_type=spec.ShareType(snap["share_type"]),
        open_type=spec.OpenType(snap["open_type"]),
        fields=tuple(_field_spec(f) for f in snap["fields"]),
        rules=tuple(
            spec.CrossFieldRule(kind=r["kind"], fields=tuple(r["fields"]), message=r["message"])
            for r in snap["rules"]
        ),
        version=int(snap["version"]),
    )


def _field_spec(f: Mapping[str, Any]) -> spec.FieldSpec:
    return spec.FieldSpec(
        name=f["name"],
        label=f["label"],
        data_type=spec.DataType(f["data_type"]),
        required=bool(f["required"]),
        is_key=bool(f["is_key"]),
        level=spec.Level(f["level"]),
        sensitive_pi=bool(f["sensitive_pi"]),
        share_type=spec.ShareType(f["share_type"]),
        open_type=spec.OpenType(f["open_type"]),
        identifier=spec.IdentifierKind(f["identifier"]) if f.get("identifier") else None,
        code_list=tuple(f["code_list"]) if f.get("code_list") else None,
        pattern=f.get("pattern") or None,
        min_value=bound_value(f.get("min_value"), f["data_type"]),
        max_value=bound_value(f.get("max_value"), f["data_type"]),
        max_length=f.get("max_length"),
        to_simplified=bool(f.get("to_simplified")),
    )
