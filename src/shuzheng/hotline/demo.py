"""The hotline's part of the demo city: grids and a standard address list for every township, the
responsibility list (权责清单), an Open311 client with a published key, four months of historical
requests (bulk-inserted: a few seconds), two planted hotspots, and a handful of live requests in every
state so each page has something real to show.

Deterministic (fixed seed); dates are relative to the day the demo is loaded. Idempotent: if the demo's
Open311 client exists, nothing is added.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from shuzheng.demo import city as spec
from shuzheng.hotline import deadlines, jobs, routing, service
from shuzheng.hotline.models import (
    ApiClient,
    Assignment,
    Callback,
    Event,
    HotlineRequest,
    StandardAddress,
)
from shuzheng.kit import clock
from shuzheng.ledger import service as ledger
from shuzheng.security import pi

if TYPE_CHECKING:
    from shuzheng.demo.loader import DemoCity
    from shuzheng.security.roles import Actor

DEMO_AFTER = ("security",)

DEMO_API_CLIENT = "示范市民App"
# Published like the demo password: it lets anyone try the Open311 API against a demo database.
DEMO_API_KEY = "sz311_demo_shifan2026_open311"
SEED = 12345
HISTORY_DAYS = 120
PER_DAY = (28, 48)  # requests per day, weekdays busier
CITY_CENTRE = (35.40, 116.60)
DISTRICT_OFFSET = {"dcq": (0.0, 0.05), "xcq": (0.0, -0.05), "sfx": (-0.15, 0.0)}
ROADS_PER_TOWNSHIP = 4
NUMBERS = range(1, 31)
PLACES = (
    "幸福里小区", "阳光花园", "锦绣家园", "和平小区", "翠苑小区", "金色港湾", "运河人家", "书香苑",
    "滨河花园", "紫荆小区", "康乐小区", "青年公寓", "府前小区", "文昌苑", "凤凰城", "柳林苑",
    "南苑新村", "西关小区", "城关花园", "河口新村", "南湖家园", "青山小区", "杏林苑", "朝阳小区",
    "新村家园", "东华里",
)  # fmt: skip


class DemoCount(int):
    """What this demo added (an int, counted by the loader), printed with the Open311 demo key: the
    loader prints each domain's result but has no hook yet for a domain's own logins."""

    def __str__(self) -> str:
        return f"{int(self)}（Open311 演示 api_key：{DEMO_API_KEY}，接入系统“{DEMO_API_CLIENT}”）"


# (type, topic, text) — {place} is where, {n} a small number.
TEMPLATES: tuple[tuple[str, str, str], ...] = (
    ("complaint", "water", "{place}停水{n}天了，一直没有来水，也没有提前通知"),
    ("help", "water", "{place}自来水发黄，有异味，不敢喝"),
    ("complaint", "water", "{place}水压太低，楼上住户用不上水"),
    ("report", "water", "{place}路边水管爆裂，大量漏水"),
    ("complaint", "heating", "{place}暖气不热，室内温度只有{n}度"),
    ("help", "heating", "{place}暖气管道漏水，请尽快维修"),
    ("report", "gas", "{place}楼道里有燃气味，担心泄漏"),
    ("consult", "gas", "燃气表没电了无法充值，怎么更换电池"),
    ("complaint", "power", "{place}一周内停电{n}次，没有任何通知"),
    ("complaint", "noise", "{place}附近工地夜间施工，噪音扰民到凌晨"),
    ("complaint", "noise", "{place}楼下烧烤店深夜营业，噪音很大"),
    ("complaint", "noise", "{place}广场舞音响声音太大，影响休息"),
    ("complaint", "property", "{place}物业不作为，垃圾{n}天没人清理"),
    ("complaint", "property", "{place}电梯经常故障，物业一直不修"),
    ("consult", "property", "物业费上涨是否需要业主大会同意"),
    ("complaint", "market", "{place}附近健身房预付卡商家跑路，无法退费"),
    ("report", "market", "{place}超市价签与结算价格不一致"),
    ("complaint", "traffic", "{place}路口红绿灯故障，车辆通行混乱"),
    ("suggestion", "traffic", "建议增加{n}路公交车的班次，早高峰太挤"),
    ("report", "urban", "{place}门口占道经营，行人无法通行"),
    ("report", "urban", "{place}路灯不亮已经{n}天了"),
    ("report", "urban", "{place}井盖缺失，存在安全隐患"),
    ("report", "urban", "{place}有人违章搭建"),
    ("report", "environment", "{place}附近工厂排放黑烟，气味刺鼻"),
    ("complaint", "environment", "{place}旁边河道发臭"),
    ("consult", "education", "孩子今年上小学，在哪里报名，需要什么材料"),
    ("complaint", "education", "校外培训机构拒绝退费"),
    ("complaint", "medical", "医院挂号太难，专家号总是约不上"),
    ("consult", "medical", "异地就医备案怎么办理"),
    ("consult", "social_security", "社保转移接续需要哪些材料"),
    ("consult", "social_security", "社保卡丢了如何补办"),
    ("consult", "housing", "公租房申请已经{n}个月了，进度如何"),
    ("complaint", "housing", "{place}新房漏雨，开发商不给维修"),
    ("consult", "household", "孩子出生了，怎么办理落户"),
    ("consult", "household", "身份证丢了，补办需要多久"),
    ("complaint", "employment", "公司拖欠工资{n}个月，多次讨要无果"),
    ("consult", "employment", "失业保险金怎么申领"),
    ("complaint", "food_safety", "{place}附近餐馆卫生很差，吃完拉肚子"),
    ("report", "food_safety", "{place}超市在卖过期食品"),
    ("praise", "other", "表扬{place}社区工作人员，帮助独居老人很热心"),
    ("suggestion", "other", "建议在{place}附近增加公共厕所"),
)
TOPIC_WEIGHTS = {
    "water": 8,
    "urban": 10,
    "noise": 8,
    "property": 9,
    "traffic": 5,
    "market": 5,
    "heating": 4,
    "social_security": 6,
    "employment": 4,
    "housing": 4,
    "household": 4,
    "education": 4,
    "medical": 4,
    "environment": 4,
    "food_safety": 3,
    "gas": 2,
    "power": 2,
    "other": 3,
}

CHANNELS = (("phone", 60), ("web", 14), ("app", 14), ("mailbox", 6), ("open311", 6))


@dataclass(frozen=True)
class Place:
    address: str
    district: str
    township: str
    grid: str
    standard_id: int
    lat: float
    lon: float
    label: str  # how a caller names it


def load(session: Session, city: DemoCity) -> int | None:
    if session.scalar(select(ApiClient.id).where(ApiClient.name == DEMO_API_CLIENT)):
        return 0
    rng = random.Random(SEED)
    added = _grids(session, city)
    places = _standard_addresses(session, rng)
    added += len(places) + _addresses_from_catalog(session)
    added += _responsibilities(session, city)
    service.create_api_client(session, None, DEMO_API_CLIENT, raw_key=DEMO_API_KEY)
    added += 1
    added += History(session, city, places, rng).load()
    added += _live(session, city, places, rng)
    today = clock.today_in_china()
    for back in range(14, 0, -1):
        jobs.detect_hotspots(session, today - dt.timedelta(days=back))
    session.flush()
    return DemoCount(added)


# ---------------------------------------------------------------- places


def _grids(session: Session, city: DemoCity) -> int:
    n = 0
    for d in spec.DISTRICTS:
        for code, name, key in d.townships:
            routing.set_grid(
                session,
                code=f"G{code}-1",
                name=f"{name}第一网格",
                district_code=d.code,
                township_code=code,
                department_id=city.department(f"{d.key}_{key}").id,
            )
            n += 1
    return n


def _standard_addresses(session: Session, rng: random.Random) -> list[Place]:
    rows: list[dict[str, Any]] = []
    place_names = iter(PLACES)
    for d in spec.DISTRICTS:
        dlat, dlon = DISTRICT_OFFSET[d.key]
        for t_index, (code, name, _) in enumerate(d.townships):
            tlat = CITY_CENTRE[0] + dlat + 0.02 * (t_index % 2) - 0.01
            tlon = CITY_CENTRE[1] + dlon + 0.02 * (t_index // 2) - 0.02
            district_name = d.name if d.name.endswith("县") else f"示范市{d.name}"
            roads = rng.sample(spec.ROADS, ROADS_PER_TOWNSHIP)
            for r_index, road in enumerate(roads):
                for number in NUMBERS:
                    rows.append(
                        {
                            "full_address": f"{district_name}{name}{road}{number}号",
                            "district_code": d.code,
                            "township_code": code,
                            "grid_code": f"G{code}-1",
                            "road": road,
                            "house_number": str(number),
                            "place_name": None,
                            "lat": round(tlat + 0.002 * r_index, 6),
                            "lon": round(tlon + 0.0003 * number, 6),
                        }
                    )
            place = next(place_names, None)
            if place:
                rows.append(
                    {
                        "full_address": f"{district_name}{name}{place}",
                        "district_code": d.code,
                        "township_code": code,
                        "grid_code": f"G{code}-1",
                        "road": None,
                        "house_number": None,
                        "place_name": place,
                        "lat": round(tlat + 0.009, 6),
                        "lon": round(tlon + 0.004, 6),
                    }
                )
    ids = session.scalars(
        insert(StandardAddress).returning(StandardAddress.id, sort_by_parameter_order=True), rows
    ).all()
    places = []
    for row, new_id in zip(rows, ids, strict=True):
        label = row["place_name"] or f"{row['road']}{row['house_number']}号"
        places.append(
            Place(
                row["full_address"],
                row["district_code"],
                row["township_code"],
                row["grid_code"],
                new_id,
                row["lat"],
                row["lon"],
                label,
            )
        )
    return places


def _addresses_from_catalog(session: Session) -> int:
    """The demo's 统一地址库 resource, when the catalog and ingest demos loaded it: its new addresses join
    the index (the ones generated here keep their coordinates, which the planted hotspots rely on)."""
    from shuzheng.catalog.demo import CODES
    from shuzheng.ingest import service as ingest

    code = CODES.get("standard_address")
    if code is None or ingest.latest_version(session, code) is None:
        return 0
    return service.sync_standard_addresses(session, None, code, overwrite=False).added


def _responsibilities(session: Session, city: DemoCity) -> int:
    entries: list[tuple[str, str, str]] = []
    citywide = {
        "water": "zjj",
        "heating": "zjj",
        "gas": "zjj",
        "housing": "zjj",
        "power": "fgw",
        "noise": "sthjj",
        "market": "scjgj",
        "food_safety": "scjgj",
        "traffic": "jtysj",
        "urban": "cgj",
        "environment": "sthjj",
        "education": "jyj",
        "medical": "wjw",
        "social_security": "rsj",
        "employment": "rsj",
        "household": "gaj",
    }
    entries += [(topic, spec.CITY, dept) for topic, dept in citywide.items()]
    for d in spec.DISTRICTS:
        # 属地: noise in a district goes to its government, which passes it down to the township.
        entries.append(("noise", d.code, d.key))
        entries.append(("market", d.code, f"{d.key}_scjgj"))
        entries.append(("food_safety", d.code, f"{d.key}_scjgj"))
        for code, _, key in d.townships:
            entries.append(("property", code, f"{d.key}_{key}"))
    entries.append(("urban", spec.XICHENG, "xcq_cgj"))
    for topic, region, dept in entries:
        routing.set_responsibility(
            session,
            topic_code=topic,
            region_code=region,
            department_id=city.department(dept).id,
            note="演示数据",
            actor_id=None,
        )
    return len(entries)


# ---------------------------------------------------------------- history


class History:
    """Four months of requests with their whole lifecycle, inserted in bulk."""

    def __init__(self, session: Session, city: DemoCity, places: list[Place], rng: random.Random):
        self.session, self.city, self.places, self.rng = session, city, places, rng
        self.now = clock.now()
        self.today = clock.today_in_china()
        self.routes: dict[tuple[str, str], int | None] = {}
        self.quality: dict[int, float] = {}
        self.by_topic = {t: [x for x in TEMPLATES if x[1] == t] for t in TOPIC_WEIGHTS}
        self.protected: dict[str, tuple[bytes, str]] = {}
        people = list(city.citizens.values())
        self.callers = [(c.name, c.spec.phone) for c in people] or [("张三", "13800000000")]

    def load(self) -> int:
        plan: list[tuple[dt.date, str | None, Place | None]] = []
        for back in range(HISTORY_DAYS, 0, -1):
            day = self.today - dt.timedelta(days=back)
            lo, hi = PER_DAY
            count = self.rng.randint(lo, hi) if day.weekday() < 5 else self.rng.randint(lo // 2, hi // 2)
            plan += [(day, None, None) for _ in range(count)]
        # The planted hotspots: a water main burst in 东城区文昌街道 six days ago, night-time construction
        # in 示范县城关镇 three days ago.
        wenchang = [p for p in self.places if p.township == "379902002" and p.label.endswith("号")]
        chengguan = [p for p in self.places if p.township == "379921100" and p.label.endswith("号")]
        plan += [(self.today - dt.timedelta(days=6), "water", self.rng.choice(wenchang)) for _ in range(46)]
        plan += [(self.today - dt.timedelta(days=5), "water", self.rng.choice(wenchang)) for _ in range(9)]
        plan += [(self.today - dt.timedelta(days=3), "noise", self.rng.choice(chengguan)) for _ in range(14)]
        rows = [self._request(day, topic, place) for day, topic, place in plan]
        lifecycle = [r.pop("_life") for r in rows]
        keys = {k for r in rows for k in r}
        rows = [{k: r.get(k) for k in keys} for r in rows]  # one shape for the bulk insert
        ids = self.session.scalars(
            insert(HotlineRequest).returning(HotlineRequest.id, sort_by_parameter_order=True), rows
        ).all()
        assignments, events, callbacks = [], [], []
        for new_id, life in zip(ids, lifecycle, strict=True):
            a, e, c = self._lifecycle(new_id, life)
            assignments += a
            events += e
            callbacks += c
        for table, batch in ((Assignment, assignments), (Event, events), (Callback, callbacks)):
            for i in range(0, len(batch), 5000):
                self.session.execute(insert(table), batch[i : i + 5000])
        ledger.append(
            self.session,
            action="hotline.demo_history",
            subject="demo:hotline",
            payload={"requests": len(ids), "days": HISTORY_DAYS, "first_id": ids[0], "last_id": ids[-1]},
        )
        return len(ids)

    # -- one request

    def _at(self, day: dt.date) -> dt.datetime:
        minute = self.rng.randint(7 * 60, 22 * 60)
        local = dt.datetime.combine(day, dt.time(), clock.CHINA_TZ) + dt.timedelta(minutes=minute)
        return min(local.astimezone(dt.UTC), self.now - dt.timedelta(minutes=30))

    def _route(self, topic: str, place: Place) -> int | None:
        key = (topic, place.township)
        if key not in self.routes:
            found = routing.route(self.session, topic, place.township, place.grid)
            self.routes[key] = found.department_id if found else None
        return self.routes[key]

    def _contact(self) -> dict[str, Any]:
        if self.rng.random() < 0.3:
            name, phone = self.rng.choice(self.callers)
        else:
            name = self.rng.choice(spec.SURNAMES) + self.rng.choice(("先生", "女士"))
            phone = self.rng.choice(spec.PHONE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
        if phone not in self.protected:
            p = pi.protect(pi.PIKind.PHONE, phone)
            self.protected[phone] = (p.ciphertext, p.blind_index)
        enc, bidx = self.protected[phone]
        return {
            "contact_name_enc": pi.encrypt(pi.PIKind.NAME, name),
            "contact_phone_enc": enc,
            "contact_phone_bidx": bidx,
        }

    def _request(self, day: dt.date, topic: str | None, place: Place | None) -> dict[str, Any]:
        rng = self.rng
        topic = topic or rng.choices(list(TOPIC_WEIGHTS), weights=list(TOPIC_WEIGHTS.values()))[0]
        type_code, _, text = rng.choice(self.by_topic[topic])
        place = place or rng.choice(self.places)
        content = text.format(place=place.label, n=rng.randint(2, 9))
        created = self._at(day)
        kind = rng.choices(("normal", "urgent", "complex"), weights=(80, 10, 10))[0]
        dept = self._route(topic, place)
        channel = rng.choices([c for c, _ in CHANNELS], weights=[w for _, w in CHANNELS])[0]
        row: dict[str, Any] = {
            "channel": channel,
            "status": "closed",
            "kind": kind,
            "type_code": type_code,
            "topic_code": topic,
            "title": service.make_title(content),
            "content": content,
            "address_text": place.address,
            "address_normalized": place.address,
            "location_status": "located",
            "region_code": place.township,
            "district_code": place.district,
            "grid_code": place.grid,
            "standard_address_id": place.standard_id,
            "lat": place.lat,
            "lon": place.lon,
            "department_id": dept,
            "created_at": created,
            "updated_at": created,
            "due_provisional": False,
            "paused_seconds": 0,
            "supervise_count": 0,
            "reopen_count": 0,
            **self._contact(),
        }
        row["_life"] = self._plan(row, created, dept, kind)
        return row

    def _plan(self, row: dict[str, Any], created: dt.datetime, dept: int | None, kind: str) -> dict[str, Any]:
        """Decide the request's story and set its final fields."""
        rng = self.rng
        if dept is None:
            row.update(status="pending", queue_reason="no_route")
            if created < self.now - dt.timedelta(days=2):  # old ones were dispatched by hand long ago
                dept = self.city.department(rng.choice(("dcq", "xcq", "sfx"))).id
                row.update(status="closed", queue_reason=None, department_id=dept)
            else:
                return {"created": created, "dept": None}
        quality = self.quality.setdefault(dept, 0.72 + 0.25 * rng.random())
        dispatched = created + dt.timedelta(minutes=rng.randint(5, 90))
        due = deadlines.due_for(self.session, kind, dispatched).at
        late_response = rng.random() > quality + 0.05
        accepted = dispatched + dt.timedelta(
            hours=rng.uniform(26, 40) if late_response else rng.uniform(0.2, 20)
        )
        limit = (due - dispatched).total_seconds()
        took = dt.timedelta(seconds=limit * rng.uniform(0.2, 0.95 if rng.random() < quality else 1.4))
        resolved = accepted + took
        callback_at = resolved + dt.timedelta(hours=rng.uniform(3, 30))
        row.update(dispatched_at=dispatched, due_at=due, accepted_at=None, status="dispatched")
        life = {"created": created, "dept": dept, "dispatched": dispatched, "due": due, "kind": kind}
        if accepted > self.now:
            return life
        row.update(accepted_at=accepted, status="handling")
        life["accepted"] = accepted
        if resolved > self.now:
            if due < self.now:
                row.update(overdue_at=due, supervise_count=1)
            return life
        solved = rng.random() < quality
        rating = rng.choices(
            ("satisfied", "basic", "unsatisfied"),
            weights=(quality * 70, 25, (1 - quality) * 60 + (0 if solved else 30)),
        )[0]
        result = (
            "已现场核实并处理完毕，已电话告知诉求人" if solved else "已答复诉求人政策规定，问题暂无法解决"
        )
        row.update(status="resolved", resolved_at=resolved, result_text=result)
        life.update(resolved=resolved, result=result)
        if callback_at > self.now:
            return life
        row.update(
            status="closed", closed_at=callback_at, solved=solved, satisfaction=rating, updated_at=callback_at
        )
        life.update(callback=callback_at, solved=solved, rating=rating)
        if not solved or rating == "unsatisfied":
            # Reopened at the callback, handled again, and closed at a second callback.
            second = callback_at + dt.timedelta(days=rng.uniform(1, 4))
            if second < self.now:
                row.update(
                    reopen_count=1,
                    closed_at=second + dt.timedelta(hours=5),
                    solved=True,
                    satisfaction="basic",
                    updated_at=second + dt.timedelta(hours=5),
                )
                life["second"] = second
            else:
                row.update(
                    status="handling",
                    reopen_count=1,
                    solved=None,
                    satisfaction=None,
                    closed_at=None,
                    resolved_at=None,
                    result_text=None,
                )
                life["reopened_only"] = True
        return life

    def _lifecycle(self, rid: int, life: dict[str, Any]) -> tuple[list[dict[str, Any]], ...]:
        created, dept = life["created"], life["dept"]
        events = [_event(rid, created, "intake", "12345话务员", None, None)]
        assignments: list[dict[str, Any]] = []
        callbacks: list[dict[str, Any]] = []
        if dept is None or "dispatched" not in life:
            return assignments, events, callbacks
        dispatched = life["dispatched"]
        names = self.city.departments
        dept_name = next((d.name for d in names.values() if d.id == dept), "承办单位")
        events.append(_event(rid, dispatched, "dispatch", "自动派单", dept, f"派至{dept_name}"))
        assignment = {
            "request_id": rid,
            "department_id": dept,
            "dispatched_at": dispatched,
            "response_due_at": deadlines.response_due(self.session, life["kind"], dispatched),
            "accepted_at": life.get("accepted"),
            "ended_at": None,
            "outcome": None,
        }
        assignments.append(assignment)
        if "accepted" in life:
            events.append(
                _event(rid, life["accepted"], "accept", dept_name, dept, "承办单位已签收，正在办理")
            )
        if "resolved" in life:
            events.append(_event(rid, life["resolved"], "resolve", dept_name, dept, life["result"]))
            assignment.update(ended_at=life["resolved"], outcome="resolved")
        if "callback" in life:
            label = f"{'已解决' if life['solved'] else '未解决'}"
            events.append(_event(rid, life["callback"], "callback", "12345回访", dept, f"回访：{label}"))
            callbacks.append(
                {
                    "request_id": rid,
                    "department_id": dept,
                    "at": life["callback"],
                    "by_id": None,
                    "solved": life["solved"],
                    "satisfaction": life["rating"],
                    "note": None,
                }
            )
        if "second" in life or life.get("reopened_only"):
            again = life["callback"]
            events.append(_event(rid, again, "reopen", "12345回访", dept, "回访未解决或不满意，重新办理"))
            assignments.append(
                {
                    "request_id": rid,
                    "department_id": dept,
                    "dispatched_at": again,
                    "response_due_at": deadlines.response_due(self.session, life["kind"], again),
                    "accepted_at": again + dt.timedelta(hours=2),
                    "ended_at": life.get("second"),
                    "outcome": "resolved" if "second" in life else None,
                }
            )
        if "second" in life:
            events.append(_event(rid, life["second"], "resolve", dept_name, dept, "已再次上门处理"))
            closed = life["second"] + dt.timedelta(hours=5)
            events.append(_event(rid, closed, "callback", "12345回访", dept, "回访：已解决"))
            callbacks.append(
                {
                    "request_id": rid,
                    "department_id": dept,
                    "at": closed,
                    "by_id": None,
                    "solved": True,
                    "satisfaction": "basic",
                    "note": None,
                }
            )
        return assignments, events, callbacks


def _event(
    rid: int, at: dt.datetime, action: str, label: str, dept: int | None, note: str | None
) -> dict[str, Any]:
    return {
        "request_id": rid,
        "at": at,
        "action": action,
        "actor_id": None,
        "actor_label": label,
        "department_id": dept,
        "note": note,
        "public": True,
    }


# ---------------------------------------------------------------- live requests through the services


def _live(session: Session, city: DemoCity, places: list[Place], rng: random.Random) -> int:
    """A few requests of today in every state, made through the services as people would."""
    needed = ("hotline01", "paidan01", "shuju.zhujian", "shuju.chengguan", "shuju.donghua")
    if any(u not in city.staff for u in needed):
        return 0
    agent, dispatcher, water, urban, township = (city.actor(session, u) for u in needed)
    donghua = [p for p in places if p.township == "379902001" and p.label.endswith("号")]
    wenchang = [p for p in places if p.township == "379902002" and p.label.endswith("号")]
    n = 0

    def take(
        content: str,
        address: str | None,
        topic: str | None,
        type_code: str | None = "complaint",
        phone: str = "13905370001",
        name: str = "赵女士",
        to: Actor | None = None,
    ) -> HotlineRequest:
        """File by phone; a request the system held back (e.g. a suspected duplicate) is dispatched by hand."""
        nonlocal n
        n += 1
        data = service.Intake(
            channel="phone",
            content=content,
            type_code=type_code,
            topic_code=topic,
            contact_name=name,
            contact_phone=phone,
            address=address,
        )
        req = service.submit(session, agent, data).request
        if to is not None and req.status == "pending":
            assert to.department_id is not None
            service.dispatch(session, dispatcher, req.id, to.department_id, note="人工派单")
        return req

    # Waiting for a dispatcher: an address outside the city, one that cannot be placed, no category.
    take(
        "我在济南市历下区泉城路1号，这里的路灯坏了",
        "山东省济南市历下区泉城路1号",
        "urban",
        phone="13905370002",
    )
    take("小区后面那条街的垃圾桶满了好几天", "我家后面那条街", "urban", phone="13905370003")
    take("有个事情想反映一下，上次说的那个还没弄好", None, None, None, phone="13905370004")

    # With 市住建局: one just dispatched, one signed for and being handled, one with an extension asked.
    take(
        "家里停水了，整栋楼都没水",
        f"东城区东华街道{donghua[1].label}",
        "water",
        phone="13905370005",
        to=water,
    )
    handling = take(
        "自来水浑浊发黄", f"东城区东华街道{donghua[40].label}", "water", phone="13905370006", to=water
    )
    service.accept(session, water, handling.id)
    slow = take(
        "小区二次供水水箱需要清洗",
        f"东城区东华街道{donghua[80].label}",
        "water",
        phone="13905370007",
        to=water,
    )
    service.accept(session, water, slow.id)
    service.request_extension(session, water, slow.id, 3, "需协调物业停水清洗水箱，排期在下周")

    # A disputed one, waiting for the dispatcher's arbitration.
    disputed = take(
        "楼顶水箱漏水，物业不管",
        f"东城区东华街道{donghua[110].label}",
        "water",
        phone="13905370008",
        to=water,
    )
    service.dispute(
        session,
        water,
        disputed.id,
        "属于小区物业管理的二次供水设施，应由属地街道督促物业维修",
        suggested_department_id=city.department("dcq_donghua").id,
    )

    # 城管: resolved, waiting for the callback.
    done = take(
        "门口占道经营，人行道走不了",
        f"东城区文昌街道{wenchang[7].label}",
        "urban",
        phone="13905370009",
        to=urban,
    )
    service.accept(session, urban, done.id)
    service.resolve(session, urban, done.id, "已联系执法中队现场劝离，并加强巡查")

    # A citizen's own request (their account's phone), resolved and waiting for their rating.
    citizen = city.citizens.get("citizen01")
    if citizen is not None:
        mine = take(
            "楼道灯坏了很久没人修",
            f"东城区东华街道{donghua[60].label}",
            "property",
            phone=citizen.spec.phone,
            name=citizen.name,
            to=township,
        )
        service.accept(session, township, mine.id)
        service.resolve(session, township, mine.id, "已督促物业更换楼道灯，现已恢复照明")
    return n
