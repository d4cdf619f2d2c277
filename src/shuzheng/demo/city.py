"""The fictional 示范市 as data: its regions, departments, staff, citizens and enterprises.

Nothing here touches the database (the loader does). Everything is deterministic — people and
enterprises come from a fixed random seed — so the demo is the same on every machine and every run.

The city hangs under the real 山东省 (370000) with codes that GB/T 2260 does not use (3799xx), so it can
never be mistaken for a real place. 身份证号 must carry a birth region that python-stdnum knows for the
birth year, so citizens were "born" in the real counties of 济宁市 (or its 1983-era 济宁地区 codes)
and live in 示范市. 统一社会信用代码 are only checked for format and check character, so departments
and enterprises carry the demo city's own region codes.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from functools import cache

from stdnum import exceptions as stdnum_errors
from stdnum.cn import ric

from shuzheng.kit.identifiers import make_id_number, make_uscc
from shuzheng.org.models import DepartmentKind, RegionLevel
from shuzheng.org.regions import RegionRow
from shuzheng.security.roles import Role

# One password for every demo account, printed by `shuzheng demo load`. It satisfies the password
# policy; it is public, so the demo must never be loaded into a production database.
DEMO_PASSWORD = "Demo@2026shuzheng"
SEED = 2260

PROVINCE = "370000"  # 山东省, from the national list
CITY = "379900"
DONGCHENG = "379902"
XICHENG = "379903"
SHIFAN_COUNTY = "379921"


# ---------------------------------------------------------------- regions


@dataclass(frozen=True)
class District:
    key: str  # the department-code prefix of its government, e.g. "dcq"
    code: str
    name: str
    townships: tuple[tuple[str, str, str], ...]  # (code, name, pinyin key)


DISTRICTS = (
    District(
        "dcq",
        DONGCHENG,
        "东城区",
        (
            ("379902001", "东华街道", "donghua"),
            ("379902002", "文昌街道", "wenchang"),
            ("379902003", "朝阳街道", "chaoyang"),
            ("379902004", "新村街道", "xincun"),
        ),
    ),
    District(
        "xcq",
        XICHENG,
        "西城区",
        (
            ("379903001", "西关街道", "xiguan"),
            ("379903002", "南苑街道", "nanyuan"),
            ("379903003", "凤凰街道", "fenghuang"),
            ("379903004", "柳林街道", "liulin"),
        ),
    ),
    District(
        "sfx",
        SHIFAN_COUNTY,
        "示范县",
        # Township codes follow the statistical convention: 001–099 街道, 100–199 镇, 200–399 乡.
        (
            ("379921100", "城关镇", "chengguan"),
            ("379921101", "河口镇", "hekou"),
            ("379921102", "南湖镇", "nanhu"),
            ("379921200", "青山乡", "qingshan"),
            ("379921201", "杏林乡", "xinglin"),
        ),
    ),
)


def regions() -> list[RegionRow]:
    """The demo's own regions (not GB/T 2260: official=False), parents first."""
    rows = [RegionRow(CITY, "示范市", RegionLevel.CITY, PROVINCE, official=False)]
    rows += [RegionRow(d.code, d.name, RegionLevel.COUNTY, CITY, official=False) for d in DISTRICTS]
    rows += [
        RegionRow(code, name, RegionLevel.TOWNSHIP, d.code, official=False)
        for d in DISTRICTS
        for code, name, _ in d.townships
    ]
    return rows


def region_names() -> dict[str, str]:
    return {r.code: r.name for r in regions()}


# ---------------------------------------------------------------- departments


@dataclass(frozen=True)
class DepartmentSpec:
    code: str
    name: str
    short_name: str
    kind: DepartmentKind
    region: str
    parent: str | None
    uscc: str


CITY_GOVERNMENT = "szf"

# (code, full name, short name) of the city's committees and bureaus (委办局), all under the city government.
CITY_BUREAUS = (
    ("fgw", "示范市发展和改革委员会", "市发展改革委"),
    ("jyj", "示范市教育局", "市教育局"),
    ("gaj", "示范市公安局", "市公安局"),
    ("mzj", "示范市民政局", "市民政局"),
    ("czj", "示范市财政局", "市财政局"),
    ("rsj", "示范市人力资源和社会保障局", "市人社局"),
    ("zrzyj", "示范市自然资源和规划局", "市自然资源和规划局"),
    ("sthjj", "示范市生态环境局", "市生态环境局"),
    ("zjj", "示范市住房和城乡建设局", "市住建局"),
    ("cgj", "示范市城市管理局", "市城管局"),
    ("jtysj", "示范市交通运输局", "市交通运输局"),
    ("nyncj", "示范市农业农村局", "市农业农村局"),
    ("wjw", "示范市卫生健康委员会", "市卫健委"),
    ("yjj", "示范市应急管理局", "市应急局"),
    ("scjgj", "示范市市场监督管理局", "市市场监管局"),
    ("ybj", "示范市医疗保障局", "市医保局"),
    ("xzspj", "示范市行政审批服务局", "市行政审批服务局"),
    ("dsjj", "示范市大数据局", "市大数据局"),
)

# (code, full name, short name, parent) of institutions (事业单位).
CITY_INSTITUTIONS = (
    ("dsjzx", "示范市大数据中心", "市大数据中心", "dsjj"),
    # Here the hotline centre sits with government services (行政审批服务局); cities differ.
    ("rx12345", "示范市12345政务服务便民热线中心", "市12345热线中心", "xzspj"),
)

# (suffix, name, short name) of the bureaus every district or county government has in the demo.
DISTRICT_BUREAUS = {
    "dcq": (
        ("xzspj", "行政审批服务局", "审批局"),
        ("scjgj", "市场监督管理局", "市场监管局"),
        ("mzj", "民政局", "民政局"),
    ),
    "xcq": (
        ("xzspj", "行政审批服务局", "审批局"),
        ("scjgj", "市场监督管理局", "市场监管局"),
        ("cgj", "城市管理局", "城管局"),
    ),
    "sfx": (
        ("xzspj", "行政审批服务局", "审批局"),
        ("scjgj", "市场监督管理局", "市场监管局"),
        ("nyncj", "农业农村局", "农业农村局"),
    ),
}


def _district_full_name(d: District) -> str:
    # Counties are named on their own (示范县人民政府); districts carry their city (示范市东城区…).
    return d.name if d.name.endswith("县") else f"示范市{d.name}"


def _township_full_name(d: District, name: str) -> str:
    office = "办事处" if name.endswith("街道") else "人民政府"
    return f"{_district_full_name(d)}{name}{office}"


@cache
def departments() -> tuple[DepartmentSpec, ...]:
    """The department tree, parents first: the city government; its bureaus and institutions; each
    district/county government with its bureaus and its townships (乡镇街道) below it."""
    codes = _OrgCodes(random.Random(SEED))
    specs = [
        _organ(codes, CITY_GOVERNMENT, "示范市人民政府", "市政府", DepartmentKind.CITY_GOVERNMENT, CITY, None)
    ]
    for code, name, short in CITY_BUREAUS:
        specs.append(_organ(codes, code, name, short, DepartmentKind.COMMITTEE, CITY, CITY_GOVERNMENT))
    for code, name, short, parent in CITY_INSTITUTIONS:
        specs.append(_organ(codes, code, name, short, DepartmentKind.INSTITUTION, CITY, parent))
    for d in DISTRICTS:
        full = _district_full_name(d)
        specs.append(
            _organ(
                codes,
                d.key,
                f"{full}人民政府",
                f"{d.name}政府",
                DepartmentKind.DISTRICT_GOVERNMENT,
                d.code,
                CITY_GOVERNMENT,
            )
        )
        for suffix, name, short in DISTRICT_BUREAUS[d.key]:
            specs.append(
                _organ(
                    codes,
                    f"{d.key}_{suffix}",
                    f"{full}{name}",
                    f"{d.name}{short}",
                    DepartmentKind.COMMITTEE,
                    d.code,
                    d.key,
                )
            )
        for township_code, name, key in d.townships:
            specs.append(
                _organ(
                    codes,
                    f"{d.key}_{key}",
                    _township_full_name(d, name),
                    name,
                    DepartmentKind.TOWNSHIP,
                    township_code,
                    d.key,
                )
            )
    return tuple(specs)


class _OrgCodes:
    """Distinct 8-digit organisation codes for government bodies (the 9th character is the GB 11714 check)."""

    def __init__(self, rng: random.Random):
        self.rng, self.used = rng, set[str]()

    def next(self) -> str:
        while True:
            code = f"00{self.rng.randrange(10**6):06d}"
            if code not in self.used:
                self.used.add(code)
                return code


def _organ(
    codes: _OrgCodes, code: str, name: str, short: str, kind: DepartmentKind, region: str, parent: str | None
) -> DepartmentSpec:
    # Registration-authority/type "11" = 机构编制 · 机关, "12" = 机构编制 · 事业单位. A township's
    # code carries its county: the USCC region part has six digits.
    authority = "12" if kind is DepartmentKind.INSTITUTION else "11"
    return DepartmentSpec(
        code, name, short, kind, region, parent, make_uscc(authority, region[:6], codes.next())
    )


# ---------------------------------------------------------------- staff


@dataclass(frozen=True)
class StaffSpec:
    username: str
    name: str
    department: str
    roles: tuple[Role, ...]
    note: str  # what to try with this login, shown in the login table


STAFF = (
    StaffSpec("admin", "周建国", "dsjj", (Role.PLATFORM_ADMIN,), "运营平台：目录治理、共享审批、密钥、审计"),
    StaffSpec("shuju.dsj", "何静", "dsjzx", (Role.DATA_OFFICER,), "大数据中心数据专员"),
    StaffSpec("shuju.gongan", "李晓明", "gaj", (Role.DATA_OFFICER,), "公安局数据专员：户籍数据"),
    StaffSpec("shuju.minzheng", "王芳", "mzj", (Role.DATA_OFFICER,), "民政局数据专员：婚姻、低保数据"),
    StaffSpec("shuju.renshe", "陈刚", "rsj", (Role.DATA_OFFICER,), "人社局数据专员：社保数据"),
    StaffSpec("shuju.shichang", "刘洋", "scjgj", (Role.DATA_OFFICER,), "市场监管局数据专员：企业登记数据"),
    StaffSpec("shuju.weijian", "孙丽", "wjw", (Role.DATA_OFFICER,), "卫健委数据专员：出生医学证明"),
    StaffSpec("shuju.zhujian", "吴涛", "zjj", (Role.DATA_OFFICER,), "住建局数据专员；办理12345工单"),
    StaffSpec("shuju.chengguan", "郑强", "cgj", (Role.DATA_OFFICER,), "城管局：办理12345工单"),
    StaffSpec("shuju.donghua", "谢婷", "dcq_donghua", (Role.DATA_OFFICER,), "东华街道：办理12345工单"),
    StaffSpec("shenpi.xzsp", "张敏", "xzspj", (Role.APPROVER,), "市行政审批服务局审批人员：受理、审批办件"),
    StaffSpec("shenpi.scjg", "杨帆", "scjgj", (Role.APPROVER,), "市场监管局审批人员：许可、证照"),
    StaffSpec("shenpi.dongcheng", "黄磊", "dcq_xzspj", (Role.APPROVER,), "东城区审批人员"),
    StaffSpec("hotline01", "林小红", "rx12345", (Role.HOTLINE_AGENT,), "12345话务员：受理诉求"),
    StaffSpec("hotline02", "高婷", "rx12345", (Role.HOTLINE_AGENT,), "12345话务员"),
    StaffSpec("paidan01", "马超", "rx12345", (Role.DISPATCHER,), "12345派单员：派单、督办、回访"),
    StaffSpec("leader.city", "韩志强", CITY_GOVERNMENT, (Role.LEADER,), "市领导：全市驾驶舱"),
    StaffSpec("leader.dongcheng", "冯建华", "dcq", (Role.LEADER,), "东城区领导：本区驾驶舱"),
)


# ---------------------------------------------------------------- citizens


@dataclass(frozen=True)
class CitizenSpec:
    key: str
    name: str
    sex: str  # "男" / "女"
    birth_date: dt.date
    id_number: str
    birth_place: str
    phone: str
    township: str  # region code where the person lives
    address: str


CITIZEN_COUNT = 50

# Real county codes of 济宁市 and of the earlier 济宁地区; python-stdnum knows which years each was in
# use, and a code is only picked for a birth year in which it existed.
BIRTH_REGIONS = (
    "370811", "370812", "370826", "370827", "370828", "370829", "370830", "370831", "370832",
    "370881", "370883", "370802", "370882",
    "372701", "372722", "372723", "372725", "372726", "372727", "372728", "372729", "372730",
)  # fmt: skip

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
    "姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严孔"
)
# Given names drift with the decades; older people get older names.
GIVEN_NAMES = {
    ("男", "older"): (
        "建国",
        "建华",
        "国强",
        "志刚",
        "德明",
        "玉林",
        "永红",
        "振华",
        "学军",
        "卫东",
        "明",
        "军",
        "刚",
        "平",
    ),
    ("女", "older"): (
        "秀英",
        "桂英",
        "玉兰",
        "秀兰",
        "凤英",
        "淑珍",
        "春梅",
        "红梅",
        "丽华",
        "桂芳",
        "芳",
        "霞",
        "琴",
        "萍",
    ),
    ("男", "younger"): (
        "伟",
        "强",
        "磊",
        "杰",
        "涛",
        "超",
        "鹏",
        "浩然",
        "子轩",
        "宇航",
        "俊杰",
        "明轩",
        "博文",
        "一鸣",
    ),
    ("女", "younger"): (
        "静",
        "敏",
        "婷",
        "丹",
        "颖",
        "雪",
        "欣怡",
        "梓涵",
        "诗涵",
        "雨桐",
        "佳怡",
        "晓燕",
        "思琪",
        "梦瑶",
    ),
}
PHONE_PREFIXES = ("130", "131", "133", "135", "136", "137", "138", "139", "150", "151", "152", "155", "157",
                  "158", "159", "176", "177", "180", "181", "183", "186", "187", "188", "189", "199")  # fmt: skip
ROADS = (
    "人民路",
    "建设路",
    "解放路",
    "文化路",
    "和平路",
    "幸福路",
    "光明路",
    "红星路",
    "太白路",
    "运河路",
    "车站路",
    "府前街",
)


@cache
def citizens() -> tuple[CitizenSpec, ...]:
    rng = random.Random(SEED + 1)
    townships = [(d, code, name) for d in DISTRICTS for code, name, _ in d.townships]
    people: list[CitizenSpec] = []
    names: set[str] = set()
    numbers: set[str] = set()
    phones: set[str] = set()
    while len(people) < CITIZEN_COUNT:
        sex = rng.choice(("男", "女"))
        birth = dt.date(rng.randint(1942, 2004), rng.randint(1, 12), rng.randint(1, 28))
        name = rng.choice(SURNAMES) + rng.choice(
            GIVEN_NAMES[sex, "older" if birth.year < 1975 else "younger"]
        )
        birth_region = rng.choice(_birth_regions_in(birth.year))
        # The 17th digit (last of the 3-digit sequence) is odd for men and even for women.
        sequence = rng.randrange(500) * 2 + (1 if sex == "男" else 0)
        number = make_id_number(birth_region, birth, sequence)
        phone = rng.choice(PHONE_PREFIXES) + f"{rng.randrange(10**8):08d}"
        if name in names or number in numbers or phone in phones:
            continue
        district, township, township_name = rng.choice(townships)
        address = f"{_district_full_name(district)}{township_name}{rng.choice(ROADS)}{rng.randint(1, 199)}号"
        names.add(name)
        numbers.add(number)
        phones.add(phone)
        people.append(
            CitizenSpec(
                key=f"citizen{len(people) + 1:02d}",
                name=name,
                sex=sex,
                birth_date=birth,
                id_number=number,
                birth_place=ric.get_birth_place(number)["county"],
                phone=phone,
                township=township,
                address=address,
            )
        )
    return tuple(people)


@cache
def _birth_regions_in(year: int) -> tuple[str, ...]:
    return tuple(code for code in BIRTH_REGIONS if _region_existed(code, year))


def _region_existed(code: str, year: int) -> bool:
    try:
        ric.get_birth_place(make_id_number(code, dt.date(year, 6, 15), 1))
    except (stdnum_errors.ValidationError, KeyError):
        return False
    return True


# ---------------------------------------------------------------- enterprises


@dataclass(frozen=True)
class EnterpriseSpec:
    key: str
    name: str
    kind: str  # "company" / "individual" (个体工商户) / "cooperative" (农民专业合作社)
    uscc: str
    region: str
    legal_person: str
    phone: str
    address: str


ENTERPRISE_KINDS = {
    "company": ("91", "企业"),
    "individual": ("92", "个体工商户"),
    "cooperative": ("93", "农民专业合作社"),
}

ENTERPRISES = (
    ("company", DONGCHENG, "示范市云启科技有限公司"),
    ("company", DONGCHENG, "示范市明德软件有限公司"),
    ("company", DONGCHENG, "示范市博文教育咨询有限公司"),
    ("company", DONGCHENG, "示范市康宁医药连锁有限公司"),
    ("company", DONGCHENG, "示范市百味餐饮管理有限公司"),
    ("company", XICHENG, "示范市鲁信建筑工程有限公司"),
    ("company", XICHENG, "示范市运河物流有限公司"),
    ("company", XICHENG, "示范市金桥商贸有限公司"),
    ("company", XICHENG, "示范市安居物业管理有限公司"),
    ("company", XICHENG, "示范市恒通汽车服务有限公司"),
    ("company", XICHENG, "示范市绿源环保科技有限公司"),
    ("company", SHIFAN_COUNTY, "示范市华泰食品有限公司"),
    ("company", SHIFAN_COUNTY, "示范市瑞丰农业发展有限公司"),
    ("company", SHIFAN_COUNTY, "示范市鼎盛新材料股份有限公司"),
    ("individual", DONGCHENG, "示范市东城区老王家常菜馆"),
    ("individual", DONGCHENG, "示范市东城区美丽发艺店"),
    ("individual", XICHENG, "示范市西城区李记便利店"),
    ("individual", SHIFAN_COUNTY, "示范县城关镇张氏五金店"),
    ("cooperative", SHIFAN_COUNTY, "示范县青山果蔬种植专业合作社"),
    ("cooperative", SHIFAN_COUNTY, "示范县河口水产养殖专业合作社"),
    ("cooperative", SHIFAN_COUNTY, "示范县南湖粮食种植专业合作社"),
)

# Characters of an organisation code that are also allowed in a USCC (no I, O, S, V, Z).
_ORG_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


@cache
def enterprises() -> tuple[EnterpriseSpec, ...]:
    rng = random.Random(SEED + 2)
    names = region_names()
    townships = {d.code: d.townships for d in DISTRICTS}
    result: list[EnterpriseSpec] = []
    used: set[str] = set()
    for i, (kind, region, name) in enumerate(ENTERPRISES, start=1):
        # Codes issued since 2015 carry an organisation code starting "MA".
        while (org := "MA" + "".join(rng.choice(_ORG_CODE_CHARS) for _ in range(6))) in used:
            pass
        used.add(org)
        _, township_name, _ = rng.choice(townships[region])
        # A name that mentions a township (青山果蔬…) is located there.
        township_name = next((t for _, t, _ in townships[region] if t[:2] in name), township_name)
        district = names[region] if region == SHIFAN_COUNTY else f"示范市{names[region]}"
        result.append(
            EnterpriseSpec(
                key=f"ent{i:02d}",
                name=name,
                kind=kind,
                uscc=make_uscc(ENTERPRISE_KINDS[kind][0], region, org),
                region=region,
                legal_person=rng.choice(SURNAMES)
                + rng.choice(GIVEN_NAMES[rng.choice(("男", "女")), "younger"]),
                phone=rng.choice(PHONE_PREFIXES) + f"{rng.randrange(10**8):08d}",
                address=f"{district}{township_name}{rng.choice(ROADS)}{rng.randint(1, 299)}号",
            )
        )
    return tuple(result)
