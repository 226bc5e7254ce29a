"""Seed the configurable list of qualification kinds (资质类型).

Reference data every installation needs before its first enterprise, so it ships with the
schema rather than with the demo. Kinds are edited afterwards in the admin (audited there);
this seed is part of the schema history and is not an audit event.
"""

from django.db import migrations

# code, Chinese name, English name, validity, years, one per year, counts for the pool, document
KINDS = [
    ("high_tech", "高新技术企业", "High-tech enterprise", "years", 3, False, True,
     "《高新技术企业认定管理办法》(国科发火〔2016〕32号): certificate valid 3 years"),
    ("tech_sme", "科技型中小企业", "Tech SME (registered)", "calendar_year", None, True, True,
     "《科技型中小企业评价办法》(国科发政〔2017〕115号): 入库登记编号 each year [U: valid to year end]"),
    ("high_tech_reserve", "广州市高新技术企业培育库入库企业", "Guangzhou high-tech reserve list", "open", None,
     False, True, "广州市高新技术企业培育库 [U]"),
    ("competition_award", "中国创新创业大赛(广州赛区)获奖/入围企业",
     "Innovation competition (Guangzhou) winner or finalist", "open", None, False, True,
     "中国创新创业大赛(广东·广州赛区) [U]"),
    ("specialised", "专精特新中小企业", "Specialised SME (专精特新)", "years", 3, False, False,
     "《优质中小企业梯度培育管理暂行办法》(工信部企业〔2022〕63号) [U: 3 years]"),
    ("little_giant", "专精特新“小巨人”企业", "Specialised “little giant”", "years", 3, False, False,
     "《优质中小企业梯度培育管理暂行办法》(工信部企业〔2022〕63号) [U: 3 years]"),
    ("innovative_sme", "创新型中小企业", "Innovative SME", "years", 3, False, False,
     "《优质中小企业梯度培育管理暂行办法》(工信部企业〔2022〕63号) [U: 3 years]"),
    ("key_support", "重点支持名录企业", "Key-support list", "open", None, False, False,
     "《广州市信贷风险补偿机制管理办法》(穗金管规字〔2025〕1号): +15 points, dated membership"),
]


def seed(apps, schema_editor):
    QualificationKind = apps.get_model("enterprises", "QualificationKind")
    for order, (code, name_zh, name_en, validity, years, per_year, pool, document) in enumerate(KINDS):
        QualificationKind.objects.update_or_create(code=code, defaults={
            "name_zh": name_zh, "name_en": name_en, "validity": validity, "validity_years": years,
            "numbered_per_year": per_year, "qualifies_for_pool": pool, "document": document,
            "sort_order": (order + 1) * 10,
        })


def unseed(apps, schema_editor):
    QualificationKind = apps.get_model("enterprises", "QualificationKind")
    QualificationKind.objects.filter(code__in=[k[0] for k in KINDS], qualifications__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("enterprises", "0002_registry_profile")]

    operations = [migrations.RunPython(seed, unseed)]
