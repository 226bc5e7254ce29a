"""Seed the region table with Guangzhou's 11 districts (广州市辖区, GB/T 2260 codes).

Reference data an installation needs before its first enterprise, like the qualification kinds
(0003): without it no enterprise can be registered. The table stays configurable in the admin
(a district can be renamed, deactivated or added for another city); this seed is part of the
schema history and is not an audit event. Codes as in force since the 2014 and 2015 mergers
(萝岗区 into 黄埔区, 从化 and 增城 made districts).
"""

from django.db import migrations

DISTRICTS = [
    ("440103", "荔湾区", "Liwan"),
    ("440104", "越秀区", "Yuexiu"),
    ("440105", "海珠区", "Haizhu"),
    ("440106", "天河区", "Tianhe"),
    ("440111", "白云区", "Baiyun"),
    ("440112", "黄埔区", "Huangpu"),
    ("440113", "番禺区", "Panyu"),
    ("440114", "花都区", "Huadu"),
    ("440115", "南沙区", "Nansha"),
    ("440117", "从化区", "Conghua"),
    ("440118", "增城区", "Zengcheng"),
]


def seed(apps, schema_editor):
    District = apps.get_model("enterprises", "District")
    for order, (code, name_zh, name_en) in enumerate(DISTRICTS):
        District.objects.get_or_create(code=code, defaults={"name_zh": name_zh, "name_en": name_en,
                                                            "sort_order": order})


def unseed(apps, schema_editor):
    District = apps.get_model("enterprises", "District")
    District.objects.filter(code__in=[code for code, *_ in DISTRICTS], enterprises__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("enterprises", "0004_imports")]

    operations = [migrations.RunPython(seed, unseed)]
