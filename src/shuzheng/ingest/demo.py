"""The demo city's data: a generated dataset for every published demo resource, loaded through the
real load path (files in CSV, checked, versioned, scored, in the ledger) by the department's own data
officer — so the quality pages and objections have something to show.

Rows are deterministic (fixed seeds) and realistic: valid 身份证号 born where 济宁's county codes
existed that year, valid 统一社会信用代码, the demo city's districts and townships. About one row in a
hundred carries a mistake people really make: a wrong check digit, 2023-02-30, a code outside the list,
a duplicated key, an end before its start; some cells use full-width digits, which loading cleans.
人口基础信息 has an older, worse version from yesterday (so its trend moves), and its current version
holds the demo citizens who log in (so their "我的数据被谁用了" has entries); 商品房预售许可 was last loaded three
weeks ago (overdue); 医疗机构基本信息 has no data yet. Idempotent: a resource with data is left alone.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
import tempfile
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from shuzheng.catalog import demo as catalog_demo
from shuzheng.catalog import service as catalog
from shuzheng.catalog.spec import ResourceSpec
from shuzheng.demo import city as demo_city
from shuzheng.errors import NotFound
from shuzheng.ingest import service, validate
from shuzheng.kit import clock
from shuzheng.kit.identifiers import make_id_number, make_uscc

DEMO_AFTER = ("catalog",)
SEED = 4301
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰萍红建华文辉力斌宇浩凯鹏飞婷雪梅琳晨阳博文子涵欣怡梓萱一诺浩然宇轩"
ROADS = [
    "人民路",
    "建设路",
    "和平街",
    "文化路",
    "解放路",
    "中山路",
    "胜利街",
    "光明路",
    "振兴路",
    "兴业大道",
    "古槐路",
    "太白楼路",
]
COMPANY_WORDS = [
    "华信",
    "鲁航",
    "宏达",
    "恒通",
    "瑞丰",
    "金泰",
    "博远",
    "同创",
    "安康",
    "兴业",
    "汇智",
    "德润",
    "盛景",
    "运河",
]
COMPANY_KINDS = [
    "科技",
    "商贸",
    "建筑工程",
    "餐饮管理",
    "物流",
    "医药",
    "文化传媒",
    "农业发展",
    "机械制造",
    "信息技术",
]
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
OPERATOR = "admin"


@cache
def _codes_for_year(year: int) -> tuple[str, ...]:
    """济宁's county codes that python-stdnum accepts for a birth in `year` (else Shandong's)."""
    regions = validate.birth_regions()
    for prefix in ("3708", "37"):
        found = tuple(
            sorted(
                {c for c, lo, hi in regions if c.startswith(prefix) and c[4:] != "00" and lo <= year <= hi}
            )
        )
        if found:
            return found
    return ("370102",)


class Maker:
    """Realistic values for one dataset, from one seeded random source."""

    def __init__(self, seed: int):
        self.rnd = random.Random(seed)
        self.n = 0

    def seq(self) -> int:
        self.n += 1
        return self.n

    def name(self) -> str:
        return self.rnd.choice(SURNAMES) + "".join(
            self.rnd.choice(GIVEN) for _ in range(self.rnd.choice((1, 2)))
        )

    def date(self, start: dt.date, end: dt.date) -> dt.date:
        return start + dt.timedelta(days=self.rnd.randint(0, max((end - start).days, 0)))

    def id_number(self, birth: dt.date, *, female: bool | None = None) -> str:
        """The 17th digit is odd for men, even for women."""
        if female is None:
            female = self.rnd.random() < 0.5
        sequence = self.rnd.randint(0, 499) * 2 + (0 if female else 1)
        return make_id_number(self.rnd.choice(_codes_for_year(birth.year)), birth, sequence)

    def uscc(self, kind: str = "91") -> str:
        district = self.rnd.choice(demo_city.DISTRICTS)
        return make_uscc(kind, district.code, f"MA{self.seq():06d}")

    def district(self) -> demo_city.District:
        return self.rnd.choice(demo_city.DISTRICTS)

    def address(self, district: demo_city.District | None = None) -> str:
        d = district or self.district()
        township = self.rnd.choice(d.townships)[1]
        return f"示范市{d.name}{township}{self.rnd.choice(ROADS)}{self.rnd.randint(1, 399)}号"

    def company(self) -> str:
        return f"示范市{self.rnd.choice(COMPANY_WORDS)}{self.rnd.choice(COMPANY_KINDS)}有限公司"

    def chance(self, per_thousand: int) -> bool:
        return self.rnd.randint(1, 1000) <= per_thousand

    def broken_check(self, value: str) -> str:
        alternatives = [c for c in "0123456789X" if c != value[-1]]
        return value[:-1] + self.rnd.choice(alternatives)


TODAY = dt.date(2026, 11, 1)


# ---------------------------------------------------------------- the datasets


def _population(m: Maker, rows: int, error_rate: int) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for _ in range(rows):
        birth = m.date(dt.date(1940, 1, 1), dt.date(2024, 12, 31))
        district = m.district()
        id_number = m.id_number(birth)
        row = {
            "身份证号": id_number,
            "姓名": m.name(),
            "性别": "1" if int(id_number[16]) % 2 else "2",
            "出生日期": birth.isoformat()
            if m.rnd.random() < 0.7
            else f"{birth.year}年{birth.month}月{birth.day}日",
            "民族": "01" if m.rnd.random() < 0.92 else m.rnd.choice(["03", "02", "05", "11", "06"]),
            "户籍地址": m.address(district),
            "行政区划代码": district.code,
            "户籍登记日期": max(birth, dt.date(1958, 1, 1)).isoformat(),
            "人口状态": "正常" if m.rnd.random() < 0.95 else m.rnd.choice(["迁出", "死亡"]),
            "曾用名": m.name() if m.chance(30) else "",
        }
        if m.chance(error_rate):
            row["身份证号"] = m.broken_check(id_number)
        elif m.chance(error_rate):
            row["出生日期"] = "2023-02-30"
        elif m.chance(error_rate):
            row["民族"] = "99"
        elif m.chance(error_rate) and out:
            row = dict(out[-1])  # the same person twice (two offices registered them)
        elif m.chance(error_rate):
            row["出生日期"] = (birth + dt.timedelta(days=1)).isoformat()  # the 身份证号 says otherwise
        elif m.chance(20):
            row["身份证号"] = id_number.translate(FULL_WIDTH)  # typed with a Chinese input method: cleaned
        out.append(row)
    return out


def _citizens() -> list[dict[str, Any]]:
    """The demo city's citizens who log in, as the police register holds them: so a citizen's
    "我的数据被谁用了" shows the demo's data-service lookups of their record."""
    rows = []
    for c in demo_city.citizens():
        district = next(d for d in demo_city.DISTRICTS if any(t[0] == c.township for t in d.townships))
        rows.append(
            {
                "身份证号": c.id_number,
                "姓名": c.name,
                "性别": "1" if c.sex == "男" else "2",
                "出生日期": c.birth_date.isoformat(),
                "民族": "01",
                "户籍地址": c.address,
                "行政区划代码": district.code,
                "户籍登记日期": max(c.birth_date, dt.date(1958, 1, 1)).isoformat(),
                "人口状态": "正常",
                "曾用名": "",
            }
        )
    return rows


def _legal_entities(m: Maker, rows: int) -> list[dict[str, Any]]:
    out = []
    kinds = ["有限责任公司"] * 6 + [
        "股份有限公司",
        "个人独资企业",
        "合伙企业",
        "个体工商户",
        "农民专业合作社",
    ]
    for _ in range(rows):
        established = m.date(dt.date(1995, 1, 1), TODAY)
        district = m.district()
        row = {
            "统一社会信用代码": m.uscc("92" if m.rnd.random() < 0.1 else "91"),
            "企业名称": m.company(),
            "法定代表人": m.name(),
            "市场主体类型": m.rnd.choice(kinds),
            "成立日期": established.isoformat(),
            "注册资本（万元）": f"{m.rnd.choice([10, 50, 100, 200, 500, 1000, 3000])}",
            "经营状态": m.rnd.choice(["存续"] * 8 + ["在业", "吊销", "注销"]),
            "住所": m.address(district),
            "行政区划代码": district.code,
            "经营范围": "一般项目：技术服务、技术开发、技术咨询；销售代理。",
            "核准日期": (established + dt.timedelta(days=m.rnd.randint(0, 2000))).isoformat(),
        }
        if m.chance(8):
            row["统一社会信用代码"] = m.broken_check(row["统一社会信用代码"]).replace("X", "Y")
        elif m.chance(8):
            row["核准日期"] = (established - dt.timedelta(days=30)).isoformat()
        elif m.chance(5):
            row["市场主体类型"] = "有限公司"
        out.append(row)
    return out


def _marriages(m: Maker, rows: int) -> list[dict[str, Any]]:
    out = []
    for n in range(1, rows + 1):
        day = m.date(dt.date(2005, 1, 1), TODAY)
        kind = m.rnd.choice(["结婚登记"] * 7 + ["离婚登记", "离婚登记", "补领结婚证"])
        male = m.id_number(m.date(dt.date(1950, 1, 1), day - dt.timedelta(days=22 * 365)), female=False)
        female = m.id_number(m.date(dt.date(1952, 1, 1), day - dt.timedelta(days=20 * 365)), female=True)
        row = {
            "登记证字号": f"{'L' if kind.startswith('离婚') else 'J'}379902-{day.year}-{n:06d}",
            "登记类型": kind,
            "男方身份证号": male,
            "男方姓名": m.name(),
            "女方身份证号": female,
            "女方姓名": m.name(),
            "登记日期": day.isoformat(),
            "登记机关": m.rnd.choice(["示范市东城区民政局", "示范市西城区民政局", "示范县民政局"]),
        }
        if m.chance(8):
            row["登记证字号"] = row["登记证字号"].replace("-", "", 1)
        elif m.chance(8):
            row["女方身份证号"] = m.broken_check(female)
        out.append(row)
    return out


def _social_insurance(m: Maker, rows: int) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    kinds = ["企业职工基本养老保险", "失业保险", "工伤保险", "城乡居民基本养老保险"]
    while len(out) < rows:
        birth = m.date(dt.date(1960, 1, 1), dt.date(2002, 12, 31))
        person, name = m.id_number(birth), m.name()
        employed = m.rnd.random() < 0.8
        employer_uscc, employer = (m.uscc(), m.company()) if employed else ("", "")
        for kind in kinds[:3] if employed else kinds[3:]:
            row = {
                "身份证号": person,
                "姓名": name,
                "险种": kind,
                "参保状态": m.rnd.choice(["参保缴费"] * 8 + ["暂停缴费", "终止参保"]),
                "参保日期": m.date(
                    max(dt.date(1995, 1, 1), birth + dt.timedelta(days=18 * 365)), TODAY
                ).isoformat(),
                "参保单位统一社会信用代码": employer_uscc,
                "参保单位名称": employer,
                "缴费基数（元）": str(m.rnd.choice([3800, 4500, 5200, 6800, 8000, 12000]))
                if employed
                else "",
                "最近缴费年月": "202610",
            }
            if m.chance(6):
                row["最近缴费年月"] = "202613"
            elif m.chance(6) and employed:
                row["参保单位名称"] = ""
            out.append(row)
    if len(out) > 10:
        out[7] = dict(out[3])  # the same person and 险种 twice
    return out[:rows]


def _real_estate(m: Maker, rows: int) -> list[dict[str, Any]]:
    out = []
    for n in range(1, rows + 1):
        day = m.date(dt.date(2008, 1, 1), TODAY)
        district = m.district()
        owner_birth = m.date(dt.date(1950, 1, 1), dt.date(1998, 12, 31))
        row = {
            "不动产权证书号": f"鲁({day.year})示范市不动产权第{n:07d}号",
            "不动产单元号": f"{district.code}{n % 1000:03d}001GB{n:05d}F{n:08d}",
            "权利人": m.name(),
            "权利人证件号码": m.id_number(owner_birth),
            "坐落": m.address(district)
            + f"{m.rnd.randint(1, 30)}号楼{m.rnd.randint(1, 6)}单元{m.rnd.randint(101, 2602)}室",
            "行政区划代码": district.code,
            "用途": m.rnd.choice(["住宅"] * 8 + ["商业", "办公"]),
            "权利类型": "国有建设用地使用权/房屋所有权",
            "建筑面积（平方米）": f"{m.rnd.uniform(45, 180):.2f}",
            "登记日期": day.isoformat(),
        }
        if m.chance(8):
            row["登记日期"] = "2021-02-29"
        elif m.chance(5):
            row["用途"] = "住宅用房"
        out.append(row)
    return out


def _abnormal(m: Maker, rows: int) -> list[dict[str, Any]]:
    reasons = ["未按规定报送年度报告", "未按规定公示即时信息", "通过登记的住所或经营场所无法联系"]
    out = []
    for _ in range(rows):
        listed = m.date(dt.date(2019, 1, 1), TODAY)
        removed = m.rnd.random() < 0.3
        row = {
            "统一社会信用代码": m.uscc(),
            "企业名称": m.company(),
            "列入原因": m.rnd.choice(reasons),
            "列入日期": listed.isoformat(),
            "作出决定机关": "示范市市场监督管理局",
            "移出日期": (listed + dt.timedelta(days=m.rnd.randint(30, 400))).isoformat() if removed else "",
            "移出原因": "已补报年度报告并公示" if removed else "",
        }
        if m.chance(15) and removed:
            row["移出日期"] = (listed - dt.timedelta(days=10)).isoformat()
        elif m.chance(15) and removed:
            row["移出原因"] = ""
        out.append(row)
    return out


def _addresses(m: Maker, rows: int) -> list[dict[str, Any]]:
    out = []
    for n in range(1, rows + 1):
        d = m.district()
        code, township, _ = m.rnd.choice(d.townships)
        road, number = m.rnd.choice(ROADS), m.rnd.randint(1, 399)
        row = {
            "地址编码": f"{code}{n:06d}",
            "区县": d.name,
            "乡镇街道": township,
            "社区（村）": f"{township[:2]}社区",
            "道路（街巷）": road,
            "门牌号": f"{number}号",
            "楼栋": f"{m.rnd.randint(1, 20)}号楼",
            "标准地址": f"示范市{d.name}{township}{road}{number}号",
            "行政区划代码": d.code,
            "经度": f"{116.58 + m.rnd.uniform(-0.1, 0.1):.6f}",
            "纬度": f"{35.41 + m.rnd.uniform(-0.1, 0.1):.6f}",
        }
        if m.chance(6):
            row["地址编码"] = row["地址编码"][:-1]
        out.append(row)
    return out


def _subsistence(m: Maker, rows: int) -> list[dict[str, Any]]:
    out = []
    for _ in range(rows):
        d = m.district()
        start = m.date(dt.date(2015, 1, 1), TODAY)
        ended = m.rnd.random() < 0.15
        out.append(
            {
                "户主身份证号": m.id_number(m.date(dt.date(1945, 1, 1), dt.date(1995, 12, 31))),
                "户主姓名": m.name(),
                "保障人数": str(m.rnd.randint(1, 5)),
                "月保障金额（元）": f"{m.rnd.choice([640, 780, 860, 920]) * m.rnd.randint(1, 3)}",
                "城乡类别": "农村" if d.key == "sfx" else "城市",
                "乡镇街道": m.rnd.choice(d.townships)[1],
                "纳入保障日期": start.isoformat(),
                "退出保障日期": (start + dt.timedelta(days=m.rnd.randint(90, 900))).isoformat()
                if ended
                else "",
                "保障状态": "退出" if ended else m.rnd.choice(["在保"] * 9 + ["暂停"]),
            }
        )
    return out


def _birth_certificates(m: Maker, rows: int) -> list[dict[str, Any]]:
    out = []
    for n in range(1, rows + 1):
        birth = m.date(dt.date(2018, 1, 1), TODAY)
        has_father = m.rnd.random() < 0.95
        row = {
            "出生医学证明编号": f"Q{370000000 + n:09d}",
            "新生儿姓名": m.name(),
            "性别": m.rnd.choice(["1", "2"]),
            "出生日期": birth.isoformat(),
            "出生体重（克）": str(m.rnd.randint(2300, 4300)),
            "母亲姓名": m.name(),
            "母亲身份证号": m.id_number(m.date(dt.date(1983, 1, 1), dt.date(2000, 12, 31))),
            "父亲姓名": m.name() if has_father else "",
            "父亲身份证号": m.id_number(m.date(dt.date(1980, 1, 1), dt.date(1998, 12, 31)))
            if has_father
            else "",
            "接生机构": m.rnd.choice(["示范市人民医院", "示范市妇幼保健院", "示范县人民医院"]),
            "签发日期": (birth + dt.timedelta(days=m.rnd.randint(1, 20))).isoformat(),
        }
        if m.chance(10):
            row["出生体重（克）"] = "35000"
        out.append(row)
    return out


def _presale(m: Maker, rows: int) -> list[dict[str, Any]]:
    out = []
    for n in range(1, rows + 1):
        d = m.district()
        out.append(
            {
                "预售许可证号": f"示房预售字（{2020 + n % 6}）第{n:04d}号",
                "项目名称": f"{m.rnd.choice(COMPANY_WORDS)}{m.rnd.choice(['花园', '府', '公馆', '名苑', '新城'])}{m.rnd.randint(1, 5)}期",
                "开发企业统一社会信用代码": m.uscc(),
                "开发企业名称": m.company().replace("有限公司", "置业有限公司"),
                "坐落": m.address(d),
                "行政区划代码": d.code,
                "预售面积（平方米）": f"{m.rnd.uniform(8000, 90000):.2f}",
                "预售套数": str(m.rnd.randint(60, 800)),
                "发证日期": m.date(dt.date(2020, 1, 1), TODAY - dt.timedelta(days=30)).isoformat(),
            }
        )
    return out


def _licences(m: Maker, rows: int) -> list[dict[str, Any]]:
    items = [
        "食品经营许可",
        "药品经营许可",
        "建筑工程施工许可",
        "排污许可",
        "公共场所卫生许可",
        "道路运输经营许可",
    ]
    out = []
    for n in range(1, rows + 1):
        day = m.date(dt.date(2021, 1, 1), TODAY)
        row = {
            "行政许可决定文书号": f"示审批许字〔{day.year}〕{n:05d}号",
            "许可事项名称": m.rnd.choice(items),
            "行政相对人名称": m.company(),
            "行政相对人统一社会信用代码": m.uscc(),
            "许可决定日期": day.isoformat(),
            "有效期自": day.isoformat(),
            "有效期至": (day + dt.timedelta(days=5 * 365)).isoformat(),
            "许可机关": "示范市行政审批服务局",
        }
        if m.chance(8):
            row["有效期至"] = (day - dt.timedelta(days=1)).isoformat()
        out.append(row)
    return out


def _bus_stops(m: Maker, rows: int) -> list[dict[str, Any]]:
    out = []
    for n in range(1, rows + 1):
        d = m.district()
        out.append(
            {
                "站点编号": f"ST{n:06d}",
                "站点名称": f"{m.rnd.choice(ROADS)}{m.rnd.choice(['口', '东站', '西站', '小区', '医院', '学校'])}",
                "途经线路": "、".join(f"{m.rnd.randint(1, 60)}路" for _ in range(m.rnd.randint(1, 4))),
                "区县": d.name,
                "经度": f"{116.58 + m.rnd.uniform(-0.1, 0.1):.6f}",
                "纬度": f"{35.41 + m.rnd.uniform(-0.1, 0.1):.6f}",
                "无障碍设施": m.rnd.choice(["是", "否"]),
            }
        )
    return out


# ---------------------------------------------------------------- loading


Generator = Callable[[Maker], list[dict[str, Any]]]

# (key of catalog.demo.CODES, [(hours ago, generator)]) — loads in order, oldest first.
PLAN: tuple[tuple[str, tuple[tuple[int, Generator], ...]], ...] = (
    (
        "population",
        ((20, lambda m: _population(m, 2000, 25)), (1, lambda m: _citizens() + _population(m, 3000, 4))),
    ),
    ("legal_entity", ((1, lambda m: _legal_entities(m, 1500)),)),
    ("marriage", ((1, lambda m: _marriages(m, 1200)),)),
    ("social_insurance", ((1, lambda m: _social_insurance(m, 2400)),)),
    ("real_estate", ((1, lambda m: _real_estate(m, 1500)),)),
    ("abnormal_operations", ((1, lambda m: _abnormal(m, 400)),)),
    ("standard_address", ((1, lambda m: _addresses(m, 2000)),)),
    ("subsistence", ((5 * 24, lambda m: _subsistence(m, 600)),)),
    ("birth_certificate", ((1, lambda m: _birth_certificates(m, 800)),)),
    ("presale_permits", ((21 * 24, lambda m: _presale(m, 120)),)),
    ("administrative_licences", ((1, lambda m: _licences(m, 800)),)),
    ("bus_stops", ((1, lambda m: _bus_stops(m, 300)),)),
)


def load(session: Session, city: Any, *, scale: float = 1.0) -> int:
    """Load every planned dataset whose resource has no data yet; returns how many versions were made.
    `scale` shrinks the datasets (tests use a few percent)."""
    added = 0
    departments = {d.id: code for code, d in city.departments.items()}
    now = clock.now()
    with tempfile.TemporaryDirectory(prefix="shuzheng-demo-") as tmp:
        for index, (key, loads) in enumerate(PLAN):
            code = catalog_demo.CODES[key]
            try:
                spec = catalog.published_spec(session, code)
            except NotFound:
                continue
            if service.latest_version(session, code) is not None:
                continue
            actor = _actor(session, city, departments.get(spec.provider_department_id))
            for step, (hours_ago, generate) in enumerate(loads):
                rows = generate(Maker(SEED + index * 10 + step))
                rows = rows[: max(20, int(len(rows) * scale))]
                path = _write(Path(tmp) / f"{key}-{step}.csv", spec, rows)
                with clock.frozen(now - dt.timedelta(hours=hours_ago)):
                    summary = service.load_with_spec(
                        session, actor, spec, path, source_name=f"{spec.name}.csv"
                    )
                added += 0 if summary.unchanged else 1
    return added


def _actor(session: Session, city: Any, department_code: str | None) -> Any:
    username = catalog_demo.OFFICERS.get(department_code or "")
    if username and username in city.staff:
        return city.actor(session, username)
    return city.actor(session, OPERATOR)


def _write(path: Path, spec: ResourceSpec, rows: list[dict[str, Any]]) -> Path:
    """A CSV with the catalog's Chinese labels as headers, in GB18030 for one dataset in three (as
    departments' Excel exports often are)."""
    header = [f.label for f in spec.fields]
    encoding = "gb18030" if len(path.stem) % 3 == 0 else "utf-8"
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        for row in rows:
            writer.writerow([row.get(label, "") for label in header])
    return path
