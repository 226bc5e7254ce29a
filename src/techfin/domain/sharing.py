"""Loss sharing (风险损失分担): who bears how much of a principal loss, exact to the fen.

``share_loss`` splits a principal loss (本金损失; interest is never compensated) between the
city pool, a district pool, a "5+X" third party and the claimant, under the policy version in
force on the loan's disbursement date (``policy.PolicyBook.in_force``):

* **Tech pool** (gz-techpool-2015/2019/2021): the city pool bears 50% of the loss; under
  穗科规字〔2021〕2号 单一企业风险损失补偿比例累计最高不超过该笔不良贷款余额的50%, read as: the city's
  compensation on a loan, with what it paid before on the same loan, is at most 50% of the
  loan's principal balance at default [U for 2015/2019, see the data notes].
* **穗金管规字〔2025〕1号, 政银 mode** (第二条): the city's share by loan amount, 40% (≤500万元),
  30% (≤1500万元), 20% (≤3000万元); whole-loan bands with inclusive upper bounds by default, or
  marginal bands (each band's rate on the part of the loan amount in it, giving a blended rate
  applied to the loss) [U]; +15 points for a 重点支持名录 enterprise or an IP-pledge loan (once,
  even if both hold), +5 for a loan funded by a monetary-policy tool; at most 50% in all (the cap
  applies to the final rate).
* **穗金管规字〔2025〕1号, 政担 mode**: the loss is the unpaid principal the guarantor paid out
  (代偿); the city bears 20% of it and the guarantor, the claimant, the rest.
* **District overlays** (叠加补偿, 第三条 of the 2025 document; ``policy.DistrictOverlay``): the
  district pool of the enterprise's district, in force on the disbursement date, adds its rate
  on top of the city's, but the public total (city + district) is capped: 黄埔 50+40 → 90,
  南沙 50+25 → 75, under the 2025 rules e.g. 40+40 = 80 ≤ 90. The district's share is
  ``min(add_rate × loss, cap × loss − city amount)``.
* **"5+X"** (tech pool 2021, seed: "在资金池承担50%的基础上，引入担保或保险等第三方金融机构分担剩余的
  50%"): ``third_party_share`` is a percentage **of the principal loss**, 0–50, i.e. the part of
  the remaining half the third party takes (50 = all of it). Public money comes first: the third
  party bears ``min(share × loss, loss − public)``, so nothing is shared twice when a district
  overlay also applies.
* The claimant (the bank in 政银 and tech-pool modes, the guarantor in 政担) bears the rest.

Rounding: every line is first computed exactly (fractions); the lines are rounded to the fen by
largest remainder (``money.split_largest_remainder``, ties to the earlier line: city, district,
third party, claimant) so they always sum to the loss. One refinement: a capped line never
rounds above its cap, even by a fen — the city above its rate or balance cap, city + district
above the overlay's public total, the third party above its agreed share. Such a fen goes to the
claimant instead. So 1,000,000.01 split 50/40/10 in Huangpu gives 500,000.00 / 400,000.00 /
100,000.01, not 500,000.01 for the city.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from techfin.domain.money import FEN, split_largest_remainder
from techfin.domain.policy import (
    CompensationMode,
    DistrictOverlay,
    GuaranteeType,
    ModeRule,
    PoolPolicy,
    TierMethod,
    overlay_in_force,
)
from techfin.domain.reasons import InvalidInput, Reason

CITY = "city_pool"
BANK = "bank"
FIVE_PLUS_X_SOURCE = "“5+X”信贷模式（资金池2021年度工作总结，广东科技报2022-01-21）"


def third_party_payer(name: str) -> str:
    return f"third_party:{name}"


def _invalid(code: str, zh: str, en: str) -> Reason:
    return Reason(code=code, ok=False, message_zh=zh, message_en=en)


def _is_fen(amount: Decimal) -> bool:
    return amount.is_finite() and amount == amount.quantize(FEN)


@dataclass(frozen=True, kw_only=True)
class LoanFacts:
    """What loss sharing needs to know about a defaulted loan (不良贷款).

    * ``balance_at_default``: principal outstanding when the loan became non-performing (不良贷款余额).
    * ``district_code``: the enterprise's district (GB/T 2260, e.g. 440112 黄埔) for the overlay.
    * ``mode``: 政银 (``bank``) or 政担 (``guarantor``); a loan uses one mode only.
    * ``key_support``: on the 重点支持名录 on the disbursement date (2025 add-on).
    * ``policy_tool``: funded by a monetary-policy tool (货币政策工具, 2025 add-on).
    * ``third_party``: the "5+X" guarantor or insurer (bank mode), or the claiming guarantor (政担).
    * ``third_party_share``: "5+X" only: percent of the principal loss the third party bears, 0–50.
    * ``city_paid_before``: city compensation already paid on this loan (for the cumulative cap).
    """

    loan_amount: Decimal
    balance_at_default: Decimal
    disbursed_on: date
    district_code: str | None = None
    guarantee_type: GuaranteeType = GuaranteeType.CREDIT
    mode: CompensationMode = CompensationMode.BANK
    key_support: bool = False
    policy_tool: bool = False
    third_party: str | None = None
    third_party_share: Decimal | None = None
    city_paid_before: Decimal = Decimal("0.00")

    def __post_init__(self) -> None:
        problems: list[Reason] = []
        if not _is_fen(self.loan_amount) or self.loan_amount <= 0:
            problems.append(_invalid("sharing.loan_amount", "贷款金额须为大于0的金额（精确到分）",
                                     "loan amount must be a positive amount in fen"))
        if not _is_fen(self.balance_at_default) or self.balance_at_default < 0:
            problems.append(_invalid("sharing.balance", "不良贷款余额须为非负金额（精确到分）",
                                     "balance at default must be a non-negative amount in fen"))
        elif _is_fen(self.loan_amount) and self.balance_at_default > self.loan_amount:
            problems.append(_invalid("sharing.balance_above_loan", "不良贷款余额不能超过贷款金额",
                                     "balance at default cannot exceed the loan amount"))
        if not _is_fen(self.city_paid_before) or self.city_paid_before < 0:
            problems.append(_invalid("sharing.city_paid_before", "已获市级补偿须为非负金额",
                                     "city compensation paid before must be a non-negative amount in fen"))
        share = self.third_party_share
        if share is not None:
            if not self.third_party:
                problems.append(_invalid("sharing.third_party_share_without_party", "有第三方分担比例但无第三方机构",
                                         "a third-party share needs a third party"))
            if not share.is_finite() or share < 0 or share > 100:
                problems.append(_invalid("sharing.third_party_share_range", "第三方分担比例须在0至100%之间",
                                         "third-party share must be between 0 and 100 percent"))
            if self.mode is CompensationMode.GUARANTOR:
                problems.append(_invalid("sharing.third_party_share_in_guarantor_mode", "政担模式不适用5+X分担",
                                         "a 5+X share does not apply in guarantor mode"))
        if self.mode is CompensationMode.GUARANTOR and not self.third_party:
            problems.append(_invalid("sharing.guarantor_missing", "政担模式须指明合作担保机构",
                                     "guarantor mode needs the guarantor (third_party)"))
        if problems:
            raise InvalidInput(problems)

    @property
    def claimant(self) -> str:
        """Who claims and bears the rest: the bank, or in 政担 mode the guarantor."""
        if self.mode is CompensationMode.GUARANTOR and self.third_party:
            return third_party_payer(self.third_party)
        return BANK


@dataclass(frozen=True)
class ShareLine:
    """One payer's part of a loss (分担明细).

    ``rate``: the percentage of the loss this line bears under the rules, before rounding to
    the fen (6 places). ``rule``: a stable code of the rule applied. ``document``: its citation.
    """

    payer: str
    rate: Decimal
    amount: Decimal
    rule: str
    explanation_zh: str
    explanation_en: str
    document: str


@dataclass(frozen=True)
class LossSplit:
    """A loss split exactly between its payers: ``sum(line.amount) == loss`` always."""

    loss: Decimal
    rule_set: str
    overlay: str | None
    mode: CompensationMode
    claimant: str
    lines: tuple[ShareLine, ...]

    def __post_init__(self) -> None:
        if sum((line.amount for line in self.lines), Decimal(0)) != self.loss:
            raise ValueError("the lines of a loss split must sum to the loss")

    def amount_of(self, payer: str) -> Decimal:
        return sum((line.amount for line in self.lines if line.payer == payer), Decimal("0.00"))

    @property
    def public_amount(self) -> Decimal:
        """City and district pools together (public money, 财政资金)."""
        return sum((line.amount for line in self.lines if _is_public(line.payer)), Decimal("0.00"))

    @property
    def claimant_amount(self) -> Decimal:
        return self.amount_of(self.claimant)


def _is_public(payer: str) -> bool:
    return payer == CITY or payer.startswith("district_pool:")


@dataclass
class _Part:
    payer: str
    exact: Fraction
    rule: str
    zh: str
    en: str
    document: str
    nominal_rate: Decimal


def _pct(value: Fraction | Decimal) -> str:
    """A percentage for messages: 50, 37.5, 33.333333."""
    number = Decimal(value.numerator) / Decimal(value.denominator) if isinstance(value, Fraction) else value
    text = format(number.quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP).normalize(), "f")
    return text


def _wan(amount: Decimal) -> str:
    return format((amount / 10000).quantize(Decimal("0.01")).normalize(), "f")


def _city_rate(rule: ModeRule, loan: LoanFacts) -> tuple[Fraction, str, str]:
    """The city's rate in percent with its working, in Chinese and English."""
    if rule.tiers is None:
        assert rule.base_rate is not None
        rate = Fraction(rule.base_rate)
        if rule.mode is CompensationMode.GUARANTOR:
            zh = f"政担模式：补偿合作担保机构代偿本金的{_pct(rate)}%"
            en = f"guarantor mode: {_pct(rate)}% of the principal the guarantor paid out"
        else:
            zh, en = f"市级资金池承担本金损失的{_pct(rate)}%", f"the city pool bears {_pct(rate)}% of the principal loss"
    else:
        tiers, amount = rule.tiers, loan.loan_amount
        if tiers.method is TierMethod.WHOLE_LOAN:
            band = tiers.band_for(amount)
            assert band is not None  # checked by share_loss
            rate = Fraction(band.rate)
            index = tiers.bands.index(band)
            bound = "（含）" if tiers.upper_inclusive else "（不含）"
            above = f"{_wan(tiers.bands[index - 1].up_to)}万元以上至" if index else ""
            zh = f"贷款金额{_wan(amount)}万元，适用{above}{_wan(band.up_to)}万元{bound}档，补偿比例{_pct(rate)}%"
            en = (f"loan of {amount:,.2f}: band up to {band.up_to:,.2f} "
                  f"({'inclusive' if tiers.upper_inclusive else 'exclusive'}), {_pct(rate)}% of the whole loss")
        else:
            weighted, lower, pieces = Fraction(0), Decimal(0), list[str]()
            for band in tiers.bands:
                if amount <= lower:
                    break
                part = min(amount, band.up_to) - lower
                weighted += Fraction(part) * Fraction(band.rate)
                pieces.append(f"{_wan(part)}万元×{_pct(band.rate)}%")
                lower = band.up_to
            rate = weighted / Fraction(amount)
            zh = f"贷款金额{_wan(amount)}万元分段计算（{' + '.join(pieces)}），综合比例{_pct(rate)}%"
            en = f"loan of {amount:,.2f} in marginal bands, blended rate {_pct(rate)}%"
    for add_on in rule.add_ons:
        held = {"key_support": loan.key_support, "ip_pledge": loan.guarantee_type is GuaranteeType.IP_PLEDGE,
                "policy_tool": loan.policy_tool}
        if any(held[condition] for condition in add_on.when):
            rate += Fraction(add_on.points)
            zh += f"；{add_on.label_zh}加{_pct(add_on.points)}个百分点"
            en += f"; +{_pct(add_on.points)} points: {add_on.label_en}"
    if rule.rate_cap is not None and rate > Fraction(rule.rate_cap):
        rate = Fraction(rule.rate_cap)
        zh += f"；累计不超过{_pct(rule.rate_cap)}%"
        en += f"; capped at {_pct(rule.rate_cap)}% in all"
    return rate, zh, en


def share_loss(loss: Decimal, loan: LoanFacts, policy: PoolPolicy,
               overlays: Sequence[DistrictOverlay] = ()) -> LossSplit:
    """Split ``loss`` (principal loss, yuan) under ``policy`` and the district overlays.

    ``policy`` is the version in force on ``loan.disbursed_on``; the overlay used is the one of
    ``loan.district_code`` in force on that date, if any, and only for the modes it names.
    Raises ``InvalidInput`` (every problem at once) for a loss that is not a non-negative amount
    in fen or exceeds the balance at default, a mode the policy lacks, a "5+X" share the policy
    does not admit or above its maximum, or a loan above the top band of the tiers.
    """
    problems: list[Reason] = []
    if not _is_fen(loss) or loss < 0:
        problems.append(_invalid("sharing.loss", "本金损失须为非负金额（精确到分）",
                                 "the loss must be a non-negative amount in fen"))
    elif loss > loan.balance_at_default:
        problems.append(_invalid("sharing.loss_above_balance", "本金损失不能超过不良贷款余额",
                                 "the principal loss cannot exceed the balance at default"))
    rule = policy.mode_rule(loan.mode.value)
    if rule is None:
        problems.append(_invalid("sharing.mode_not_allowed", f"{policy.cite()}不设{loan.mode.label_zh}模式",
                                 f"{policy.name} has no {loan.mode.value} mode"))
    else:
        share = loan.third_party_share
        if share is not None and loan.mode is CompensationMode.BANK:
            if rule.third_party_max_share is None:
                problems.append(_invalid("sharing.third_party_not_allowed", f"{policy.cite()}未设5+X第三方分担",
                                         f"{policy.name} has no 5+X third-party share"))
            elif share > rule.third_party_max_share:
                problems.append(_invalid("sharing.third_party_share_range",
                                         f"第三方分担比例不能超过{_pct(rule.third_party_max_share)}%",
                                         f"third-party share above {_pct(rule.third_party_max_share)}%"))
        if rule.tiers is not None and loan.loan_amount > rule.tiers.top:
            problems.append(_invalid("sharing.loan_above_tiers", f"贷款金额超过最高档{_wan(rule.tiers.top)}万元",
                                     f"loan amount above the top band ({rule.tiers.top:,.2f})"))
    if problems:
        raise InvalidInput(problems)
    assert rule is not None

    whole = Fraction(loss)
    mode = loan.mode
    claimant = loan.claimant
    parts: list[_Part] = []
    caps: list[tuple[tuple[int, ...], Fraction]] = []  # (line indices, the most they may bear together)

    # The city pool (市级补偿).
    rate, zh, en = _city_rate(rule, loan)
    city = whole * rate / 100
    city_caps = [whole * Fraction(rule.rate_cap) / 100] if rule.rate_cap is not None else []
    if rule.balance_cap_rate is not None:
        room = max(Fraction(0), Fraction(loan.balance_at_default) * Fraction(rule.balance_cap_rate) / 100
                   - Fraction(loan.city_paid_before))
        city_caps.append(room)
        limit = Fraction(rule.balance_cap_rate)
        if city > room:
            city = room
            zh += (f"；单一企业累计补偿不超过该笔不良贷款余额的{_pct(limit)}%，"
                   f"已补偿{loan.city_paid_before:,.2f}元，本次以{_money(room)}元为限")
            en += (f"; capped: cumulative compensation at most {_pct(limit)}% of the balance at default, "
                   f"{loan.city_paid_before:,.2f} paid before, so at most {_money(room)} now")
        else:
            zh += f"（累计不超过该笔不良贷款余额的{_pct(limit)}%）"
            en += f" (cumulative cap: {_pct(limit)}% of the balance at default)"
    parts.append(_Part(CITY, city, f"{policy.name}/{mode.value}/city_share", zh, en,
                       policy.cite(rule.article), Decimal(rate.numerator) / Decimal(rate.denominator)))
    if city_caps:
        caps.append(((0,), min(city_caps)))

    # The district pool (叠加补偿).
    overlay = overlay_in_force(overlays, loan.district_code, loan.disbursed_on)
    if overlay is not None and mode not in overlay.modes:
        overlay = None
    borne = city  # by everyone but the claimant
    if overlay is not None:
        cap = whole * Fraction(overlay.public_total_cap) / 100
        district = min(whole * Fraction(overlay.add_rate) / 100, max(Fraction(0), cap - city))
        borne += district
        zh = (f"{overlay.district_name}叠加分担{_pct(overlay.add_rate)}%，"
              f"市区合计不超过{_pct(overlay.public_total_cap)}%")
        en = (f"{overlay.district_code} district pool adds {_pct(overlay.add_rate)}%, "
              f"city and district together at most {_pct(overlay.public_total_cap)}%")
        if district < whole * Fraction(overlay.add_rate) / 100:
            zh += f"，受合计上限限制为{_pct(district / whole * 100) if whole else '0'}%"
            en += f", limited by the cap to {_pct(district / whole * 100) if whole else '0'}%"
        document = overlay.document.cite()
        if policy.overlay_article:
            document += f"；叠加补偿：{policy.cite(policy.overlay_article)}"
        parts.append(_Part(overlay.payer, district, f"{overlay.name}/district_share", zh, en, document,
                           overlay.add_rate))
        caps.append(((0, len(parts) - 1), max(cap, city)))  # an overlay never reduces the city's share

    # The "5+X" third party.
    if mode is CompensationMode.BANK and loan.third_party and loan.third_party_share is not None:
        agreed = whole * Fraction(loan.third_party_share) / 100
        third = min(agreed, whole - borne)
        zh = f"5+X：第三方{loan.third_party}按约定承担本金损失的{_pct(loan.third_party_share)}%"
        en = f"5+X: third party {loan.third_party} bears its agreed {_pct(loan.third_party_share)}% of the loss"
        if third < agreed:
            zh += "，以公共资金分担后的剩余部分为限"
            en += ", limited to what public money leaves"
        parts.append(_Part(third_party_payer(loan.third_party), third, f"{policy.name}/bank/third_party_share",
                           zh, en, f"{policy.cite()}；{FIVE_PLUS_X_SOURCE}", loan.third_party_share))
        caps.append(((len(parts) - 1,), agreed))
        borne += third

    # The claimant bears the rest.
    rest = whole - borne
    if mode is CompensationMode.GUARANTOR:
        zh, en = "合作担保机构承担其余代偿损失", "the guarantor bears the rest of its payout"
    else:
        zh, en = "合作银行承担其余本金损失", "the bank bears the rest of the principal loss"
    parts.append(_Part(claimant, rest, f"{policy.name}/{mode.value}/claimant_remainder", zh, en,
                       policy.cite(rule.article), Decimal(0)))

    amounts = _round(loss, [part.exact for part in parts], caps)
    lines = tuple(
        ShareLine(payer=part.payer, rate=_rate_of(part, whole), amount=amount, rule=part.rule,
                  explanation_zh=part.zh, explanation_en=part.en, document=part.document)
        for part, amount in zip(parts, amounts, strict=True))
    return LossSplit(loss=loss, rule_set=policy.name, overlay=overlay.name if overlay else None, mode=mode,
                     claimant=claimant, lines=lines)


def _money(amount: Fraction) -> str:
    return f"{Decimal(amount.numerator) / Decimal(amount.denominator):,.2f}"


def _rate_of(part: _Part, whole: Fraction) -> Decimal:
    if whole == 0:
        return part.nominal_rate
    share = part.exact / whole * 100
    return (Decimal(share.numerator) / Decimal(share.denominator)).quantize(Decimal("0.000001"),
                                                                            rounding=ROUND_HALF_UP)


def _round(total: Decimal, exacts: list[Fraction],
           caps: list[tuple[tuple[int, ...], Fraction]]) -> list[Decimal]:
    """Largest remainder to the fen; then no capped group above its cap (the fen go to the last line)."""
    if total == 0:
        return [Decimal("0.00")] * len(exacts)
    common = math.lcm(*(x.denominator for x in exacts))
    weights = [Decimal(x.numerator * (common // x.denominator)) for x in exacts]
    fen = [int(amount * 100) for amount in split_largest_remainder(total, weights)]
    floors = [math.floor(x * 100) for x in exacts]
    last = len(exacts) - 1
    for members, cap in caps:
        limit = math.floor(cap * 100)
        while sum(fen[i] for i in members) > limit:
            # A member rounded up exists: the floors of a group sum to at most the floor of its cap.
            raised = [i for i in members if fen[i] > floors[i]]
            victim = min(raised, key=lambda i: (exacts[i] * 100 - floors[i], -i))
            fen[victim] -= 1
            fen[last] += 1
    return [(Decimal(f) / 100).quantize(FEN) for f in fen]
