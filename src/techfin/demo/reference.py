"""Reference data the demo (and a real installation's first setup) loads.

Guangzhou's 11 districts with their GB/T 2260 codes, and 28 partner banks: the published
count ("每年以最高2亿元预算为28家合作银行提供风险分担", 2025 seed article). The bank list is
illustrative, not the programme's official list (which is not public).
"""

from __future__ import annotations

# code, Chinese name, English name, weight of the city's tech enterprises (approximate share,
# used to spread demo enterprises the way the real city's are spread).
DISTRICTS: list[tuple[str, str, str, int]] = [
    ("440103", "荔湾区", "Liwan", 4),
    ("440104", "越秀区", "Yuexiu", 6),
    ("440105", "海珠区", "Haizhu", 10),
    ("440106", "天河区", "Tianhe", 22),
    ("440111", "白云区", "Baiyun", 10),
    ("440112", "黄埔区", "Huangpu", 20),
    ("440113", "番禺区", "Panyu", 12),
    ("440114", "花都区", "Huadu", 4),
    ("440115", "南沙区", "Nansha", 6),
    ("440117", "从化区", "Conghua", 2),
    ("440118", "增城区", "Zengcheng", 4),
]

# code, name, short name, type, join date
BANKS: list[tuple[str, str, str, str, str]] = [
    ("ICBC", "中国工商银行广州分行", "工商银行", "state_owned", "2015-12-01"),
    ("ABC", "中国农业银行广州分行", "农业银行", "state_owned", "2015-12-01"),
    ("BOC", "中国银行广州分行", "中国银行", "state_owned", "2015-12-01"),
    ("CCB", "中国建设银行广州分行", "建设银行", "state_owned", "2015-12-01"),
    ("BOCOM", "交通银行广州分行", "交通银行", "state_owned", "2016-03-01"),
    ("PSBC", "中国邮政储蓄银行广州分行", "邮储银行", "state_owned", "2017-06-01"),
    ("CMB", "招商银行广州分行", "招商银行", "joint_stock", "2015-12-01"),
    ("SPDB", "上海浦东发展银行广州分行", "浦发银行", "joint_stock", "2015-12-01"),
    ("CITIC", "中信银行广州分行", "中信银行", "joint_stock", "2016-03-01"),
    ("CEB", "中国光大银行广州分行", "光大银行", "joint_stock", "2016-03-01"),
    ("HXB", "华夏银行广州分行", "华夏银行", "joint_stock", "2017-06-01"),
    ("CMBC", "中国民生银行广州分行", "民生银行", "joint_stock", "2016-03-01"),
    ("CGB", "广发银行广州分行", "广发银行", "joint_stock", "2015-12-01"),
    ("PAB", "平安银行广州分行", "平安银行", "joint_stock", "2016-09-01"),
    ("CIB", "兴业银行广州分行", "兴业银行", "joint_stock", "2016-09-01"),
    ("CZB", "浙商银行广州分行", "浙商银行", "joint_stock", "2018-03-01"),
    ("CBHB", "渤海银行广州分行", "渤海银行", "joint_stock", "2019-03-01"),
    ("EGB", "恒丰银行广州分行", "恒丰银行", "joint_stock", "2020-06-01"),
    ("GZCB", "广州银行", "广州银行", "city_commercial", "2015-12-01"),
    ("GRCB", "广州农村商业银行", "广州农商银行", "rural_commercial", "2015-12-01"),
    ("DGB", "东莞银行广州分行", "东莞银行", "city_commercial", "2017-06-01"),
    ("GHB", "广东华兴银行广州分行", "华兴银行", "city_commercial", "2018-03-01"),
    ("NYB", "广东南粤银行广州分行", "南粤银行", "city_commercial", "2018-03-01"),
    ("BOB", "北京银行广州分行", "北京银行", "city_commercial", "2019-03-01"),
    ("BOS", "上海银行广州分行", "上海银行", "city_commercial", "2019-03-01"),
    ("CRB", "珠海华润银行广州分行", "华润银行", "city_commercial", "2020-06-01"),
    ("CDB", "国家开发银行广东省分行", "国家开发银行", "policy", "2021-06-01"),
    ("WEBANK", "深圳前海微众银行", "微众银行", "private", "2022-06-01"),
]

NAME_PREFIXES = ["广州", "广东"]
NAME_WORDS = [
    "智源", "云启", "华芯", "粤创", "博腾", "星汉", "科睿", "新禾", "海川", "联拓", "瑞康", "中科",
    "天弘", "极光", "鲲鹏", "灵犀", "明德", "北辰", "南粤", "知行", "远航", "晶合", "汇智", "泰和",
    "宏远", "启明", "凌云", "思拓", "安迅", "昊天", "锐捷", "恒信", "越秀", "珠江", "羊城", "木棉",
]
NAME_TRADES = [
    "信息科技", "智能科技", "生物医药", "生物科技", "新材料", "新能源", "电子科技", "软件",
    "医疗器械", "数据科技", "半导体", "机器人", "环保科技", "检测技术", "精密仪器",
]
NAME_SUFFIXES = ["有限公司", "股份有限公司"]

DEMO_PASSWORD = "techfin-demo"
