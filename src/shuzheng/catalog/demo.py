"""The demo city's catalog: thirteen published resources across ten departments, compiled by each
department's data officer (the operator compiles for departments without one) and approved by the
operator, through the same services people use — so the ledger, versions and search key are real.

Resource codes are fixed here (`CODES`) so that other domains' demos (ingest generates a dataset for
each) can name them. 人口基础信息 has two published versions (so its page shows a diff), and
公共交通站点 has a second version waiting in the operator's review queue.

Catalog runs before ingest in the demo (`DEMO_ORDER` in demo/loader.py lists "catalog" before
"ingest", "quality" and "sharing").
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy.orm import Session

from shuzheng.catalog import service
from shuzheng.catalog.validation import FieldInput, ResourceInput, RuleInput
from shuzheng.errors import NotFound
from shuzheng.security.roles import Actor

OPERATOR = "admin"
# Department code → its data officer in the demo city (others are compiled by the operator).
OFFICERS = {
    "gaj": "shuju.gongan",
    "mzj": "shuju.minzheng",
    "rsj": "shuju.renshe",
    "scjgj": "shuju.shichang",
    "wjw": "shuju.weijian",
    "zjj": "shuju.zhujian",
}

CODES = {
    "population": "101001001-gaj-00001",  # 人口基础信息
    "legal_entity": "102001001-scjgj-00001",  # 法人基础信息
    "marriage": "301001001-mzj-00001",  # 婚姻登记信息
    "standard_address": "103001001-mzj-00002",  # 标准地址
    "subsistence": "202001001-mzj-00003",  # 城乡居民最低生活保障对象
    "social_insurance": "202002001-rsj-00001",  # 社会保险参保信息
    "real_estate": "301001001-zrzyj-00001",  # 不动产登记信息
    "abnormal_operations": "207001001-scjgj-00002",  # 企业经营异常名录
    "birth_certificate": "201001001-wjw-00001",  # 出生医学证明
    "medical_institutions": "201002001-wjw-00002",  # 医疗机构基本信息
    "presale_permits": "308001001-zjj-00001",  # 商品房预售许可
    "administrative_licences": "207002001-xzspj-00001",  # 行政许可信息（双公示）
    "bus_stops": "308002001-jtysj-00001",  # 公共交通站点
}

SEX_CODES = ["0", "1", "2", "9"]  # GB/T 2261.1
SEX_NOTE = "GB/T 2261.1：0-未知的性别，1-男，2-女，9-未说明的性别"
NATION_CODES = [f"{n:02d}" for n in range(1, 57)] + ["97", "98"]  # GB/T 3304
NATION_NOTE = (
    "GB/T 3304 民族代码：01-汉族，02-蒙古族，03-回族……56-基诺族，97-其他未识别民族，98-外国血统中国籍人士"
)
DISTRICTS = ["东城区", "西城区", "示范县"]


def F(name: str, label: str, data_type: str = "string", **kw: Any) -> FieldInput:
    return FieldInput(name=name, label=label, data_type=data_type, **kw)


def _id_number(
    name: str = "id_number", label: str = "身份证号", *, key: bool = False, **kw: Any
) -> FieldInput:
    kw.setdefault("level", "important")
    return F(
        name,
        label,
        required=kw.pop("required", key),
        is_key=key,
        sensitive_pi=True,
        share_type="conditional",
        identifier="id_number",
        description=kw.pop("description", "18位居民身份证号码（含校验位）"),
        **kw,
    )


def _person_name(name: str = "name", label: str = "姓名", **kw: Any) -> FieldInput:
    return F(name, label, sensitive_pi=True, level="important", share_type="conditional", max_length=50, **kw)


def _adcode(**kw: Any) -> FieldInput:
    return F(
        "adcode",
        "行政区划代码",
        identifier="adcode",
        pattern=r"\d{6}",
        description="GB/T 2260 六位行政区划代码（区县级）",
        **kw,
    )


def _uscc(name: str = "uscc", label: str = "统一社会信用代码", *, key: bool = False, **kw: Any) -> FieldInput:
    return F(name, label, required=kw.pop("required", key), is_key=key, identifier="uscc", **kw)


def _lng_lat(**kw: Any) -> list[FieldInput]:
    return [
        F("longitude", "经度", "decimal", min_value="73", max_value="136", description="CGCS2000 经度", **kw),
        F("latitude", "纬度", "decimal", min_value="3", max_value="54", description="CGCS2000 纬度", **kw),
    ]


@dataclass(frozen=True)
class DemoResource:
    key: str
    department: str
    data: ResourceInput
    later: tuple[ResourceInput, ...] = ()  # further versions, published in order
    pending: ResourceInput | None = None  # a next version left waiting for review
    related: tuple[str, ...] = ()  # keys of CODES

    @property
    def code(self) -> str:
        return CODES[self.key]


def _population_v1() -> ResourceInput:
    return ResourceInput(
        name="人口基础信息",
        summary="全市户籍人口的身份、出生、民族和户籍地址信息，是人口基础信息库的数据源，支撑身份核验、一人一档和各类政务服务。",
        catalog_type="base",
        format="database",
        update_cycle="daily",
        source_system="公安人口管理信息系统",
        share_type="conditional",
        share_conditions="用于政务服务身份核验、社会保障待遇核定等法定职责；按最小必要原则申请，经公安局审核同意。",
        share_method="api",
        open_type="none",
        fields=[
            _id_number(key=True, level="core"),
            _person_name(required=True),
            F("sex", "性别", required=True, code_list=SEX_CODES, description=SEX_NOTE),
            F("birth_date", "出生日期", "date", required=True, min_value="1900-01-01"),
            F("nation", "民族", code_list=NATION_CODES, description=NATION_NOTE),
            F(
                "household_address",
                "户籍地址",
                sensitive_pi=True,
                level="important",
                share_type="conditional",
                max_length=200,
            ),
            _adcode(required=True),
            F("status", "人口状态", required=True, code_list=["正常", "迁出", "死亡"]),
        ],
        rules=[
            RuleInput(
                "id_number_birth_date", ["id_number", "birth_date"], "身份证号中的出生日期与出生日期不一致"
            )
        ],
    )


def _population_v2() -> ResourceInput:
    v1 = _population_v1()
    fields = [*v1.fields]
    fields.insert(7, F("registration_date", "户籍登记日期", "date", min_value="1950-01-01"))
    fields.append(F("former_name", "曾用名", sensitive_pi=True, share_type="conditional", max_length=50))
    return replace(
        v1,
        fields=fields,
        rules=[
            *v1.rules,
            RuleInput("not_after", ["birth_date", "registration_date"], "出生日期不能晚于户籍登记日期"),
        ],
    )


def _legal_entity() -> ResourceInput:
    return ResourceInput(
        name="法人基础信息",
        summary="在本市登记注册的企业、个体工商户和农民专业合作社的登记信息，是法人单位基础信息库的数据源。",
        catalog_type="base",
        format="database",
        update_cycle="daily",
        source_system="市场主体登记注册系统",
        share_type="unconditional",
        share_method="api",
        open_type="unconditional",
        fields=[
            _uscc(key=True, open_type="unconditional"),
            F("name", "企业名称", required=True, max_length=200, open_type="unconditional"),
            F("legal_representative", "法定代表人", required=True, max_length=50, open_type="conditional"),
            F(
                "entity_type",
                "市场主体类型",
                required=True,
                open_type="unconditional",
                code_list=[
                    "有限责任公司",
                    "股份有限公司",
                    "个人独资企业",
                    "合伙企业",
                    "个体工商户",
                    "农民专业合作社",
                ],
            ),
            F(
                "established",
                "成立日期",
                "date",
                required=True,
                min_value="1949-10-01",
                open_type="unconditional",
            ),
            F(
                "registered_capital",
                "注册资本（万元）",
                "decimal",
                min_value="0",
                max_value="100000000",
                open_type="unconditional",
            ),
            F(
                "business_status",
                "经营状态",
                required=True,
                code_list=["存续", "在业", "吊销", "注销", "迁出"],
                open_type="unconditional",
            ),
            F("address", "住所", max_length=200, open_type="unconditional"),
            _adcode(open_type="unconditional"),
            F("business_scope", "经营范围", max_length=4000, open_type="unconditional"),
            F("approved_date", "核准日期", "date", open_type="unconditional"),
        ],
        rules=[RuleInput("not_after", ["established", "approved_date"], "成立日期不能晚于核准日期")],
    )


def _marriage() -> ResourceInput:
    return ResourceInput(
        name="婚姻登记信息",
        summary="结婚、离婚登记及补领婚姻登记证的记录，用于婚姻状况核验（一件事一次办、住房保障、户籍业务）。",
        catalog_type="department",
        format="database",
        update_cycle="daily",
        source_system="全国婚姻登记信息系统（本市部署）",
        share_type="conditional",
        share_conditions="仅用于办理需核验婚姻状况的政务服务事项，查询须经当事人授权。",
        share_method="api",
        open_type="none",
        fields=[
            F(
                "certificate_no",
                "登记证字号",
                required=True,
                is_key=True,
                pattern=r"[JL]\d{6}-\d{4}-\d{6}",
                description="J-结婚，L-离婚",
            ),
            F(
                "registration_type",
                "登记类型",
                required=True,
                code_list=["结婚登记", "离婚登记", "补领结婚证", "补领离婚证"],
            ),
            _id_number("male_id_number", "男方身份证号", required=True),
            _person_name("male_name", "男方姓名", required=True),
            _id_number("female_id_number", "女方身份证号", required=True),
            _person_name("female_name", "女方姓名", required=True),
            F("registration_date", "登记日期", "date", required=True, min_value="1980-01-01"),
            F("registration_office", "登记机关", required=True, max_length=100),
        ],
    )


def _standard_address() -> ResourceInput:
    return ResourceInput(
        name="标准地址",
        summary="全市标准地址库：地址编码、区县、乡镇街道、社区、道路、门牌号、楼栋及经纬度，是各部门地址匹配和网格治理的统一基准。",
        catalog_type="base",
        format="database",
        update_cycle="monthly",
        source_system="地名地址管理信息系统",
        share_type="unconditional",
        share_method="api",
        open_type="unconditional",
        fields=[
            F(
                "address_code",
                "地址编码",
                required=True,
                is_key=True,
                pattern=r"\d{15}",
                open_type="unconditional",
                description="9位乡镇街道代码 + 6位顺序号",
            ),
            F("district", "区县", required=True, code_list=DISTRICTS, open_type="unconditional"),
            F("township", "乡镇街道", required=True, max_length=50, open_type="unconditional"),
            F("community", "社区（村）", max_length=50, open_type="unconditional"),
            F("road", "道路（街巷）", max_length=50, open_type="unconditional"),
            F("house_number", "门牌号", max_length=20, open_type="unconditional"),
            F("building", "楼栋", max_length=20, open_type="unconditional"),
            F("full_address", "标准地址", required=True, max_length=200, open_type="unconditional"),
            _adcode(required=True, open_type="unconditional"),
            *_lng_lat(open_type="unconditional"),
        ],
    )


def _subsistence() -> ResourceInput:
    return ResourceInput(
        name="城乡居民最低生活保障对象",
        summary="城乡低保对象的户主、家庭人口、保障金额和保障状态，用于社会救助、医疗救助和教育资助的联动核定。",
        catalog_type="theme",
        theme="社会保障",
        format="database",
        update_cycle="monthly",
        source_system="社会救助信息管理系统",
        share_type="conditional",
        share_conditions="仅向承担社会救助、医疗保障、教育资助职责的部门共享。",
        share_method="api",
        open_type="none",
        fields=[
            _id_number("head_id_number", "户主身份证号", key=True),
            _person_name("head_name", "户主姓名", required=True),
            F("household_size", "保障人数", "integer", required=True, min_value="1", max_value="20"),
            F(
                "monthly_amount",
                "月保障金额（元）",
                "decimal",
                required=True,
                min_value="0",
                max_value="10000",
            ),
            F("area_type", "城乡类别", required=True, code_list=["城市", "农村"]),
            F("township", "乡镇街道", required=True, max_length=50),
            F("start_date", "纳入保障日期", "date", required=True),
            F("end_date", "退出保障日期", "date"),
            F("status", "保障状态", required=True, code_list=["在保", "暂停", "退出"]),
        ],
        rules=[RuleInput("not_after", ["start_date", "end_date"], "纳入保障日期不能晚于退出保障日期")],
    )


def _social_insurance() -> ResourceInput:
    return ResourceInput(
        name="社会保险参保信息",
        summary="参保人员按险种的参保状态、参保日期、参保单位和缴费基数，支撑社保待遇资格认证和跨部门核验。",
        catalog_type="theme",
        theme="02",
        format="database",
        update_cycle="monthly",
        source_system="人社一体化信息平台",
        share_type="conditional",
        share_conditions="用于就业、社保、医保、住房公积金等业务的参保状态核验。",
        share_method="api",
        open_type="none",
        fields=[
            _id_number(key=True),
            _person_name(required=True),
            F(
                "insurance_type",
                "险种",
                required=True,
                is_key=True,
                code_list=[
                    "企业职工基本养老保险",
                    "城乡居民基本养老保险",
                    "机关事业单位养老保险",
                    "失业保险",
                    "工伤保险",
                ],
            ),
            F("status", "参保状态", required=True, code_list=["参保缴费", "暂停缴费", "终止参保"]),
            F("start_date", "参保日期", "date", required=True, min_value="1990-01-01"),
            _uscc("employer_uscc", "参保单位统一社会信用代码"),
            F("employer_name", "参保单位名称", max_length=200),
            F("contribution_base", "缴费基数（元）", "decimal", min_value="0", max_value="100000"),
            F("last_paid_month", "最近缴费年月", pattern=r"\d{4}(0[1-9]|1[0-2])", description="如 202606"),
        ],
        rules=[
            RuleInput(
                "required_if",
                ["employer_name", "employer_uscc"],
                "填写了参保单位统一社会信用代码时，参保单位名称不能为空",
            )
        ],
    )


def _real_estate() -> ResourceInput:
    return ResourceInput(
        name="不动产登记信息",
        summary="不动产权证书、不动产单元、权利人、坐落、用途、面积和登记日期，用于不动产登记“一网通办”及税务、公积金核验。",
        catalog_type="department",
        format="database",
        update_cycle="daily",
        source_system="不动产登记信息管理平台",
        share_type="conditional",
        share_conditions="用于办理涉及不动产权属核验的政务服务，查询须经权利人授权或依法定职责。",
        share_method="api",
        open_type="none",
        fields=[
            F(
                "certificate_no",
                "不动产权证书号",
                required=True,
                is_key=True,
                pattern=r".+\(\d{4}\).+不动产权第\d{7}号",
                description="如 鲁(2025)示范市不动产权第0001234号",
            ),
            F(
                "unit_no",
                "不动产单元号",
                required=True,
                pattern=r"\d{12}[A-Z]{2}\d{5}[A-Z]\d{8}",
                description="28位不动产单元号",
            ),
            _person_name("owner_name", "权利人", required=True),
            F(
                "owner_id_number",
                "权利人证件号码",
                required=True,
                sensitive_pi=True,
                level="important",
                share_type="conditional",
                description="自然人为身份证号，单位为统一社会信用代码",
            ),
            F("location", "坐落", required=True, max_length=200),
            _adcode(required=True),
            F("usage", "用途", required=True, code_list=["住宅", "商业", "办公", "工业", "仓储", "其他"]),
            F(
                "right_type",
                "权利类型",
                required=True,
                code_list=[
                    "国有建设用地使用权/房屋所有权",
                    "宅基地使用权/房屋所有权",
                    "集体建设用地使用权/房屋所有权",
                ],
            ),
            F("building_area", "建筑面积（平方米）", "decimal", min_value="0", max_value="100000"),
            F("registration_date", "登记日期", "date", required=True, min_value="1998-01-01"),
        ],
    )


def _abnormal_operations() -> ResourceInput:
    return ResourceInput(
        name="企业经营异常名录",
        summary="被列入、移出经营异常名录的企业、原因和决定机关，向社会公示，并用于信用联合奖惩。",
        catalog_type="theme",
        theme="07",
        format="database",
        update_cycle="daily",
        source_system="国家企业信用信息公示系统（本市）",
        share_type="unconditional",
        share_method="api",
        open_type="unconditional",
        fields=[
            _uscc(key=True, open_type="unconditional"),
            F("name", "企业名称", required=True, max_length=200, open_type="unconditional"),
            F(
                "listed_reason",
                "列入原因",
                required=True,
                open_type="unconditional",
                code_list=[
                    "未按规定报送年度报告",
                    "未按规定公示即时信息",
                    "公示信息隐瞒真实情况、弄虚作假",
                    "通过登记的住所或经营场所无法联系",
                ],
            ),
            F("listed_date", "列入日期", "date", required=True, is_key=True, open_type="unconditional"),
            F("listed_by", "作出决定机关", required=True, max_length=100, open_type="unconditional"),
            F("removed_date", "移出日期", "date", open_type="unconditional"),
            F("removed_reason", "移出原因", max_length=200, open_type="unconditional"),
        ],
        rules=[
            RuleInput("not_after", ["listed_date", "removed_date"], "列入日期不能晚于移出日期"),
            RuleInput("required_if", ["removed_reason", "removed_date"], "已移出的企业须填写移出原因"),
        ],
    )


def _birth_certificate() -> ResourceInput:
    return ResourceInput(
        name="出生医学证明",
        summary="新生儿出生医学证明的签发信息，用于出生“一件事”（户口登记、医保参保、社保卡申领）联办。",
        catalog_type="theme",
        theme="医疗健康",
        format="database",
        update_cycle="daily",
        source_system="妇幼健康信息系统",
        share_type="conditional",
        share_conditions="仅用于出生一件事联办及户籍登记。",
        share_method="api",
        open_type="none",
        fields=[
            F("certificate_no", "出生医学证明编号", required=True, is_key=True, pattern=r"[A-Z]\d{9}"),
            _person_name("baby_name", "新生儿姓名", required=True),
            F("sex", "性别", required=True, code_list=SEX_CODES, description=SEX_NOTE),
            F("birth_date", "出生日期", "date", required=True, min_value="2000-01-01"),
            F("birth_weight", "出生体重（克）", "integer", min_value="300", max_value="7000"),
            _person_name("mother_name", "母亲姓名", required=True),
            _id_number("mother_id_number", "母亲身份证号", required=True),
            _person_name("father_name", "父亲姓名"),
            _id_number("father_id_number", "父亲身份证号"),
            F("hospital", "接生机构", required=True, max_length=100),
            F("issue_date", "签发日期", "date", required=True),
        ],
        rules=[
            RuleInput("not_after", ["birth_date", "issue_date"], "出生日期不能晚于签发日期"),
            RuleInput("required_if", ["father_name", "father_id_number"], ""),
        ],
    )


def _medical_institutions() -> ResourceInput:
    return ResourceInput(
        name="医疗机构基本信息",
        summary="全市医疗机构的名称、类别、等级、地址、床位数和位置，面向社会开放，支撑就医导航。",
        catalog_type="theme",
        theme="01",
        format="database",
        update_cycle="monthly",
        source_system="医疗机构电子化注册系统",
        share_type="unconditional",
        share_method="api",
        open_type="unconditional",
        fields=[
            F(
                "registration_no",
                "执业许可证登记号",
                required=True,
                is_key=True,
                max_length=30,
                open_type="unconditional",
            ),
            F("name", "机构名称", required=True, max_length=100, open_type="unconditional"),
            _uscc(open_type="unconditional"),
            F(
                "category",
                "机构类别",
                required=True,
                open_type="unconditional",
                code_list=[
                    "综合医院",
                    "中医医院",
                    "专科医院",
                    "社区卫生服务中心",
                    "乡镇卫生院",
                    "诊所",
                    "村卫生室",
                ],
            ),
            F(
                "grade",
                "医院等级",
                open_type="unconditional",
                code_list=["三级甲等", "三级乙等", "二级甲等", "二级乙等", "一级", "未定级"],
            ),
            F("address", "地址", required=True, max_length=200, open_type="unconditional"),
            _adcode(required=True, open_type="unconditional"),
            F("beds", "核定床位数", "integer", min_value="0", max_value="10000", open_type="unconditional"),
            *_lng_lat(open_type="unconditional"),
        ],
    )


def _presale_permits() -> ResourceInput:
    return ResourceInput(
        name="商品房预售许可",
        summary="商品房预售许可证的项目、开发企业、坐落、预售面积与套数，向社会公示。",
        catalog_type="department",
        format="database",
        update_cycle="weekly",
        source_system="房地产市场监管平台",
        share_type="unconditional",
        share_method="file",
        open_type="unconditional",
        fields=[
            F(
                "permit_no",
                "预售许可证号",
                required=True,
                is_key=True,
                max_length=40,
                open_type="unconditional",
            ),
            F("project_name", "项目名称", required=True, max_length=100, open_type="unconditional"),
            _uscc("developer_uscc", "开发企业统一社会信用代码", required=True, open_type="unconditional"),
            F("developer_name", "开发企业名称", required=True, max_length=200, open_type="unconditional"),
            F("location", "坐落", required=True, max_length=200, open_type="unconditional"),
            _adcode(required=True, open_type="unconditional"),
            F(
                "presale_area",
                "预售面积（平方米）",
                "decimal",
                required=True,
                min_value="0",
                max_value="1000000",
                open_type="unconditional",
            ),
            F(
                "units",
                "预售套数",
                "integer",
                required=True,
                min_value="1",
                max_value="10000",
                open_type="unconditional",
            ),
            F("issue_date", "发证日期", "date", required=True, open_type="unconditional"),
        ],
    )


def _administrative_licences() -> ResourceInput:
    return ResourceInput(
        name="行政许可信息（双公示）",
        summary="行政许可决定的文书号、事项、行政相对人、有效期和决定机关，按“双公示”要求向社会公开。",
        catalog_type="theme",
        theme="信用体系",
        format="database",
        update_cycle="daily",
        source_system="政务服务一体化审批平台",
        share_type="unconditional",
        share_method="api",
        open_type="unconditional",
        fields=[
            F(
                "decision_no",
                "行政许可决定文书号",
                required=True,
                is_key=True,
                max_length=64,
                open_type="unconditional",
            ),
            F("item_name", "许可事项名称", required=True, max_length=200, open_type="unconditional"),
            F("holder_name", "行政相对人名称", required=True, max_length=200, open_type="unconditional"),
            _uscc("holder_uscc", "行政相对人统一社会信用代码", open_type="unconditional"),
            F("decision_date", "许可决定日期", "date", required=True, open_type="unconditional"),
            F("valid_from", "有效期自", "date", required=True, open_type="unconditional"),
            F("valid_to", "有效期至", "date", open_type="unconditional"),
            F("authority", "许可机关", required=True, max_length=100, open_type="unconditional"),
        ],
        rules=[RuleInput("not_after", ["valid_from", "valid_to"], "有效期起始日期不能晚于截止日期")],
    )


def _bus_stops() -> ResourceInput:
    return ResourceInput(
        name="公共交通站点",
        summary="城市公交站点的编号、名称、途经线路和经纬度，面向社会开放，支撑出行服务。",
        catalog_type="department",
        format="spreadsheet",
        update_cycle="quarterly",
        source_system="公交运营调度系统",
        share_type="unconditional",
        share_method="file",
        open_type="unconditional",
        fields=[
            F(
                "stop_id",
                "站点编号",
                required=True,
                is_key=True,
                pattern=r"[0-9A-Z]{6,12}",
                open_type="unconditional",
            ),
            F("stop_name", "站点名称", required=True, max_length=50, open_type="unconditional"),
            F(
                "routes",
                "途经线路",
                max_length=500,
                open_type="unconditional",
                description="多条线路以“、”分隔",
            ),
            F("district", "区县", required=True, code_list=DISTRICTS, open_type="unconditional"),
            *_lng_lat(open_type="unconditional", required=True),
        ],
    )


def _bus_stops_v2() -> ResourceInput:
    v1 = _bus_stops()
    return replace(
        v1,
        update_cycle="monthly",
        fields=[
            *v1.fields,
            F(
                "accessible",
                "无障碍设施",
                "boolean",
                open_type="unconditional",
                description="是否设有无障碍设施",
            ),
        ],
    )


def resources() -> tuple[DemoResource, ...]:
    return (
        DemoResource("population", "gaj", _population_v1(), later=(_population_v2(),)),
        DemoResource("legal_entity", "scjgj", _legal_entity()),
        DemoResource("marriage", "mzj", _marriage(), related=("population",)),
        DemoResource("standard_address", "mzj", _standard_address()),
        DemoResource("subsistence", "mzj", _subsistence(), related=("population", "standard_address")),
        DemoResource("social_insurance", "rsj", _social_insurance(), related=("population", "legal_entity")),
        DemoResource("real_estate", "zrzyj", _real_estate(), related=("standard_address", "population")),
        DemoResource("abnormal_operations", "scjgj", _abnormal_operations(), related=("legal_entity",)),
        DemoResource("birth_certificate", "wjw", _birth_certificate(), related=("population",)),
        DemoResource("medical_institutions", "wjw", _medical_institutions(), related=("standard_address",)),
        DemoResource("presale_permits", "zjj", _presale_permits(), related=("legal_entity", "real_estate")),
        DemoResource(
            "administrative_licences", "xzspj", _administrative_licences(), related=("legal_entity",)
        ),
        DemoResource("bus_stops", "jtysj", _bus_stops(), pending=_bus_stops_v2()),
    )


@dataclass
class _Actors:
    session: Session
    city: Any
    cache: dict[str, Actor] = field(default_factory=dict)

    def get(self, username: str) -> Actor:
        if username not in self.cache:
            self.cache[username] = self.city.actor(self.session, username)
        return self.cache[username]

    def officer(self, department: str) -> Actor:
        username = OFFICERS.get(department)
        return self.get(username if username and username in self.city.staff else OPERATOR)


def load(session: Session, city: Any) -> int:
    """Add the demo resources that are not there yet; returns how many were added (0 on a rerun)."""
    actors = _Actors(session, city)
    added = 0
    for item in resources():
        try:
            service.get_resource(session, item.code)
            continue
        except NotFound:
            pass
        _publish(session, item, actors)
        added += 1
    return added


def _publish(session: Session, item: DemoResource, actors: _Actors) -> None:
    author = actors.officer(item.department)
    operator = actors.get(OPERATOR)
    related = [CODES[k] for k in item.related]
    department = actors.city.department(item.department)
    service.create_resource(
        session,
        author,
        provider_department_id=department.id,
        data=replace(item.data, related=related),
        code=item.code,
    )
    service.submit(session, author, item.code)
    service.approve(session, operator, item.code)
    for later in item.later:
        service.save_draft(session, author, item.code, replace(later, related=related))
        service.submit(session, author, item.code)
        service.approve(session, operator, item.code)
    if item.pending is not None:
        service.save_draft(session, author, item.code, replace(item.pending, related=related))
        service.submit(session, author, item.code)
