"""Placing a request: free-text address (and/or coordinates) → district, township, standard address, grid.

Order of the checks, and why:
1. The city's own region names (districts, townships from `org_regions`) are looked for first. Demo and
   newly-created regions are unknown to cpca, and cpca resolves a bare "东城区" to 北京 — so a name of
   our own city wins unless the text explicitly names another province or city.
2. cpca (GB/T 2260) then tells a real place elsewhere (济南市历下区…) → `outside`, or a real district of
   this city when the city itself is in GB/T 2260.
3. The standard address list (统一地址库: road + house number, or a named place) pins the township and
   the grid; coordinates pick the nearest standard address within 500 m.
Whatever cannot be placed is `unresolved` and goes to a dispatcher — never dropped.
"""

from __future__ import annotations

import math
import re
import time
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session, SessionTransaction

from shuzheng.errors import NotFound, field_error
from shuzheng.hotline.models import Grid, LocationStatus, StandardAddress
from shuzheng.org import regions as org_regions
from shuzheng.org import service as org
from shuzheng.org.models import RegionLevel

MAX_ADDRESS_CHARS = 300
NEAREST_STANDARD_ADDRESS_M = 500
EARTH_RADIUS_M = 6_371_008.8

_NUMBER = re.compile(r"(\d{1,5})(?:号|號)")


@dataclass(frozen=True)
class Location:
    status: LocationStatus
    normalized: str | None = None
    district_code: str | None = None
    township_code: str | None = None
    grid_code: str | None = None
    standard_address_id: int | None = None
    lat: float | None = None
    lon: float | None = None
    note: str | None = None

    @property
    def region_code(self) -> str | None:
        return self.township_code or self.district_code


@dataclass
class CityMap:
    """The city's own regions, by name, looked up once per transaction."""

    city_code: str | None
    city_name: str | None
    province_name: str | None
    districts: dict[str, str] = field(default_factory=dict)  # name → code
    townships: dict[str, tuple[str, str]] = field(default_factory=dict)  # name → (code, district code)


_CACHE_KEY = "shuzheng.hotline.address"


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def check_coordinates(lat: float | None, lon: float | None) -> tuple[float | None, float | None]:
    if lat is None and lon is None:
        return None, None
    if lat is None or lon is None:
        raise field_error("lat" if lat is None else "long", "经纬度需同时提供")
    if not (math.isfinite(lat) and -90 <= lat <= 90):
        raise field_error("lat", "纬度应在 -90 到 90 之间")
    if not (math.isfinite(lon) and -180 <= lon <= 180):
        raise field_error("long", "经度应在 -180 到 180 之间")
    return lat, lon


def clean_address(text: str | None) -> str | None:
    """NFKC (full-width digits → ASCII), whitespace removed; too long is an error, empty is None."""
    if text is None:
        return None
    cleaned = "".join(unicodedata.normalize("NFKC", text).split())
    if not cleaned:
        return None
    if len(cleaned) > MAX_ADDRESS_CHARS:
        raise field_error("address", f"地址不能超过{MAX_ADDRESS_CHARS}个字")
    return cleaned


# The city's regions change rarely (a township import); intake reads them on every request. They are kept
# for the process, checked against the count of regions per level (one query instead of ~10), and
# re-read at least every CITY_MAP_SECONDS in case a region was renamed.
CITY_MAP_SECONDS = 300.0
_shared: dict[str, tuple[float, tuple[int, ...], CityMap]] = {}


def city_map(session: Session) -> CityMap:
    cached = session.info.get(_CACHE_KEY)
    if cached is None:
        cached = session.info[_CACHE_KEY] = _shared_city_map(session)
    return cached  # type: ignore[no-any-return]


def _shared_city_map(session: Session) -> CityMap:
    key = session.get_bind().engine.url.render_as_string(hide_password=True)
    signature = tuple(org_regions.count_by_level(session).values())
    hit = _shared.get(key)
    if hit is not None and hit[1] == signature and time.monotonic() - hit[0] < CITY_MAP_SECONDS:
        return hit[2]
    fresh = _load_city_map(session)
    _shared[key] = (time.monotonic(), signature, fresh)
    return fresh


def forget_shared() -> None:
    """Drop the process-wide copy (after regions or root departments change)."""
    _shared.clear()


def forget(session: Session) -> None:
    session.info.pop(_CACHE_KEY, None)
    forget_standard_addresses(session)


@event.listens_for(Session, "after_transaction_end")
def _forget_at_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    # Regions, grids and standard addresses may change between transactions.
    if transaction.parent is None:
        forget(session)


def _load_city_map(session: Session) -> CityMap:
    code = city_code(session)
    if code is None:
        return CityMap(None, None, None)
    city = org.get_region(session, code)
    province = org.get_region(session, city.parent_code) if city.parent_code else None
    found = CityMap(code, city.name, province.name if province else None)
    for district in org.region_children(session, code):
        found.districts[district.name] = district.code
        for township in org.region_children(session, district.code):
            found.townships[township.name] = (township.code, district.code)
    return found


def city_code(session: Session) -> str | None:
    """The city this platform serves: the city-level region of its root department (市人民政府)."""
    for dept in org.list_departments(session):
        if dept.parent_id is not None:
            continue
        try:
            region = org.get_region(session, dept.region_code)
        except NotFound:
            continue
        if region.level == RegionLevel.CITY:
            return region.code
    return None


def locate(
    session: Session, address: str | None, lat: float | None = None, lon: float | None = None
) -> Location:
    """Place a request. Never raises for an address it cannot place: that is `unresolved`."""
    text = clean_address(address)
    lat, lon = check_coordinates(lat, lon)
    cmap = city_map(session)
    if text is None:
        if lat is not None and lon is not None:
            return _by_coordinates(session, lat, lon) or Location(
                LocationStatus.UNRESOLVED, lat=lat, lon=lon, note="坐标附近没有标准地址"
            )
        return Location(LocationStatus.NONE)

    elsewhere = _explicitly_elsewhere(text, cmap)
    if elsewhere:
        return Location(LocationStatus.OUTSIDE, normalized=text, lat=lat, lon=lon, note=elsewhere)

    district, township, rest = _own_regions(text, cmap)
    if district is None and township is None:
        outside = _cpca_outside(text, cmap)
        if outside:
            return Location(LocationStatus.OUTSIDE, normalized=text, lat=lat, lon=lon, note=outside)

    standard = _match_standard_address(session, rest, district, township)
    if standard is not None:
        return _from_standard(standard, lat, lon)
    if lat is not None and lon is not None:
        near = _by_coordinates(session, lat, lon)
        if near is not None and (district is None or near.district_code == district):
            return near
    if district is None:
        return Location(LocationStatus.UNRESOLVED, normalized=text, lat=lat, lon=lon, note="无法识别所在区县")
    return Location(
        LocationStatus.LOCATED,
        normalized=_normalized(cmap, district, township, rest),
        district_code=district,
        township_code=township,
        grid_code=_default_grid(session, district, township),
        lat=lat,
        lon=lon,
        note=None if township else "已识别区县，未识别街道乡镇",
    )


def _own_regions(text: str, cmap: CityMap) -> tuple[str | None, str | None, str]:
    """The city's district and township named in the text, and the text with those names removed."""
    rest = text
    for prefix in (cmap.province_name, cmap.city_name):
        if prefix and prefix in rest:
            rest = rest.replace(prefix, "", 1)
    district = township = None
    for name in sorted(cmap.districts, key=len, reverse=True):
        if name in rest:
            district = cmap.districts[name]
            rest = rest.replace(name, "", 1)
            break
    for name in sorted(cmap.townships, key=len, reverse=True):
        code, parent = cmap.townships[name]
        if name in rest and (district is None or parent == district):
            township, district = code, parent
            rest = rest.replace(name, "", 1)
            break
    return district, township, rest


def _short(name: str) -> str:
    for suffix in ("特别行政区", "自治区", "省", "市"):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def _explicitly_elsewhere(text: str, cmap: CityMap) -> str | None:
    """A province or city of GB/T 2260 named in the text that is not ours (北京市东城区… is not 示范市)."""
    result = _cpca(text)
    if result is None:
        return None
    province, city = result["province"], result["city"]
    if province and _short(province) in text and province != cmap.province_name:
        return f"地址位于{province}，不在本市"
    if (
        city
        and city not in ("市辖区", "县")
        and _short(city) in text
        and city != cmap.city_name
        and cmap.city_name
        and _short(cmap.city_name) not in text
    ):
        return f"地址位于{province or ''}{city}，不在本市"
    return None


def _cpca_outside(text: str, cmap: CityMap) -> str | None:
    """cpca placed a text with none of our names: outside unless the adcode is within our city."""
    result = _cpca(text)
    if result is None or not result["adcode"]:
        return None
    if cmap.city_code and result["adcode"][:4] == cmap.city_code[:4]:
        return None
    where = "".join(p for p in (result["province"], result["city"], result["district"]) if p)
    return f"地址位于{where}，不在本市"


def _cpca(text: str) -> dict[str, Any] | None:
    import warnings

    with warnings.catch_warnings():
        # cpca 0.5.5 still imports pkg_resources; the deprecation notice is for its maintainers, not ours.
        warnings.filterwarnings("ignore", message="pkg_resources is deprecated", category=UserWarning)
        import cpca  # imported late: it loads its dictionaries (about a second)

    # cpca.transform wraps the same matcher in a pandas DataFrame, which costs ~170 ms per call; the
    # per-address function it maps takes ~15 µs. Fall back to the public API should it move.
    one = getattr(cpca, "_get_one_addr", None)
    if one is not None:
        row: dict[str, Any] = one(text, False, {})
    else:  # pragma: no cover - depends on the cpca version
        row = cpca.transform([text]).iloc[0].to_dict()

    def value(column: str) -> str | None:
        v = row.get(column)
        return str(v) if isinstance(v, str) and v and v != "nan" else None

    province = value("省")
    if province is None:
        return None
    return {
        "province": province,
        "city": value("市"),
        "district": value("区"),
        "adcode": value("adcode"),
    }


def _match_standard_address(
    session: Session, text: str, district: str | None, township: str | None
) -> StandardAddress | None:
    """Road + house number first, then a named place; within the district when it is known. Several
    candidates in different districts (人民路12号 in two districts) give no match."""
    candidates: list[StandardAddress] = []
    for m in _NUMBER.finditer(text):
        before = text[: m.start()]
        road = _known_road_at_end(session, before)
        if road:
            candidates = list(
                session.scalars(
                    select(StandardAddress).where(
                        StandardAddress.road == road, StandardAddress.house_number == m.group(1)
                    )
                )
            )
            if candidates:
                break
    if not candidates:
        places = [p for p in _known_places(session) if p in text]
        if places:
            best = max(places, key=len)
            candidates = list(
                session.scalars(select(StandardAddress).where(StandardAddress.place_name == best))
            )
    if district:
        candidates = [c for c in candidates if c.district_code == district]
    if township:
        narrowed = [c for c in candidates if c.township_code == township]
        candidates = narrowed or candidates
    return candidates[0] if len(candidates) == 1 else None


def _known_road_at_end(session: Session, text: str) -> str | None:
    roads = session.info.get(_CACHE_KEY + ".roads")
    if roads is None:
        roads = session.info[_CACHE_KEY + ".roads"] = sorted(
            (r for r in session.scalars(select(StandardAddress.road).distinct()) if r), key=len, reverse=True
        )
    return next((r for r in roads if text.endswith(r)), None)


def _known_places(session: Session) -> list[str]:
    places = session.info.get(_CACHE_KEY + ".places")
    if places is None:
        places = session.info[_CACHE_KEY + ".places"] = [
            p for p in session.scalars(select(StandardAddress.place_name).distinct()) if p
        ]
    return places  # type: ignore[no-any-return]


def forget_standard_addresses(session: Session) -> None:
    session.info.pop(_CACHE_KEY + ".roads", None)
    session.info.pop(_CACHE_KEY + ".places", None)


def _from_standard(a: StandardAddress, lat: float | None, lon: float | None) -> Location:
    return Location(
        LocationStatus.LOCATED,
        normalized=a.full_address,
        district_code=a.district_code,
        township_code=a.township_code,
        grid_code=a.grid_code,
        standard_address_id=a.id,
        lat=lat if lat is not None else a.lat,
        lon=lon if lon is not None else a.lon,
    )


def _by_coordinates(session: Session, lat: float, lon: float) -> Location | None:
    """The nearest standard address within 500 m (a bounding box first, then the exact distance)."""
    dlat = NEAREST_STANDARD_ADDRESS_M / 111_000
    dlon = dlat / max(0.01, math.cos(math.radians(lat)))
    rows = session.scalars(
        select(StandardAddress).where(
            StandardAddress.lat.between(lat - dlat, lat + dlat),
            StandardAddress.lon.between(lon - dlon, lon + dlon),
        )
    )
    best = min(
        ((haversine_m(lat, lon, a.lat, a.lon), a) for a in rows if a.lat is not None and a.lon is not None),
        default=None,
        key=lambda pair: pair[0],
    )
    if best is None or best[0] > NEAREST_STANDARD_ADDRESS_M:
        return None
    return _from_standard(best[1], lat, lon)


def _default_grid(session: Session, district: str, township: str | None) -> str | None:
    query = select(Grid.code).where(Grid.district_code == district)
    if township:
        query = query.where(Grid.township_code == township)
    return session.scalar(query.order_by(Grid.code).limit(1))


def _normalized(cmap: CityMap, district: str, township: str | None, rest: str) -> str:
    names = {code: name for name, code in cmap.districts.items()}
    towns = {code: name for name, (code, _) in cmap.townships.items()}
    parts = [cmap.city_name or "", names.get(district, "")]
    if township:
        parts.append(towns.get(township, ""))
    return "".join(parts) + rest
