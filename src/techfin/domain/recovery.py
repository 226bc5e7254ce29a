"""Recoveries (追偿) and debt-transfer prices (债权转移) returned to those who paid, exact to the fen.

After compensation the bank keeps pursuing the borrower. What it recovers, or the price at which
it transfers the compensated claim to a buyer, is shared among those who bore the loss in
proportion to what each bore (按补偿比例返还 [U: the return rule of 穗科规字〔2021〕2号 was not
found; proportional return is the practice of comparable pools and what issue 5 asks]):

* each payer (city pool, district pool, "5+X" third party) gets
  ``amount × paid / (sum of paid + claimant's own share)``;
* the claimant (the bank; the guarantor under 政担) keeps the part for its own share;
* a payer never gets back more, over all recoveries of the loan, than it paid: what would
  exceed is kept by the claimant (recoveries beyond the loss, e.g. of interest, are the bank's);
* the parts are rounded to the fen by largest remainder (``money.split_largest_remainder``,
  ties to the earlier payer, the claimant last) and sum exactly to the amount.

The amount is what is returned, after any recovery costs (the cost-deduction rule was not found
[U]: the caller passes the net amount).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from techfin.domain.money import FEN, split_largest_remainder
from techfin.domain.reasons import InvalidInput, Reason
from techfin.domain.sharing import BANK, LossSplit

ZERO = Decimal("0.00")


class RecoveryKind(StrEnum):
    RECOVERY = "recovery"  # 追偿: what the bank recovered from the borrower
    DEBT_TRANSFER = "debt_transfer"  # 债权转移: the price a buyer paid for the compensated claim


@dataclass(frozen=True)
class RecoveryLine:
    """One payer's part of a recovery (返还明细); the claimant's line is what it keeps."""

    payer: str
    amount: Decimal
    paid: Decimal  # what this payer bore of the loss (for the claimant: its own share)
    returned_before: Decimal  # returned to it by earlier recoveries of the same loan
    explanation_zh: str
    explanation_en: str

    @property
    def returned_total(self) -> Decimal:
        return self.returned_before + self.amount


@dataclass(frozen=True)
class RecoverySplit:
    kind: RecoveryKind
    amount: Decimal
    claimant: str
    lines: tuple[RecoveryLine, ...]  # payers in the order given, the claimant last

    def __post_init__(self) -> None:
        if sum((line.amount for line in self.lines), ZERO) != self.amount:
            raise ValueError("the lines of a recovery must sum to the amount")

    def amount_of(self, payer: str) -> Decimal:
        return sum((line.amount for line in self.lines if line.payer == payer), ZERO)


def _is_fen(amount: Decimal) -> bool:
    return amount.is_finite() and amount == amount.quantize(FEN)


def _bad(code: str, zh: str, en: str) -> Reason:
    return Reason(code=code, ok=False, message_zh=zh, message_en=en)


def share_recovery(amount: Decimal, paid: Sequence[tuple[str, Decimal]], bank_loss_share: Decimal, *,
                   returned_before: Mapping[str, Decimal] | None = None, claimant: str = BANK,
                   kind: RecoveryKind = RecoveryKind.RECOVERY) -> RecoverySplit:
    """Share ``amount`` among ``paid`` (payer, amount it bore) and the claimant's own share.

    ``bank_loss_share``: what the claimant bore itself (the bank's line of the loss split; the
    guarantor's under 政担, with ``claimant`` naming it). ``returned_before``: what each payer got
    back from earlier recoveries of the same loan. Raises ``InvalidInput`` with every problem:
    amounts not non-negative in fen, a payer named twice or named as the claimant, a prior return
    larger than what was paid or naming an unknown payer.
    """
    before = dict(returned_before or {})
    problems: list[Reason] = []
    if not _is_fen(amount) or amount < 0:
        problems.append(_bad("recovery.amount", "返还金额须为非负金额（精确到分）",
                             "the amount must be a non-negative amount in fen"))
    if not _is_fen(bank_loss_share) or bank_loss_share < 0:
        problems.append(_bad("recovery.claimant_share", "申请方自担部分须为非负金额",
                             "the claimant's own share must be a non-negative amount in fen"))
    names = [payer for payer, _ in paid]
    if len(set(names)) != len(names) or claimant in names:
        problems.append(_bad("recovery.payers", "分担方重复或与申请方相同",
                             "payers must be distinct and different from the claimant"))
    for payer, value in paid:
        if not _is_fen(value) or value < 0:
            problems.append(_bad("recovery.paid", f"{payer}的分担金额须为非负金额",
                                 f"what {payer} paid must be a non-negative amount in fen"))
        elif payer in before:
            prior = before[payer]
            if not _is_fen(prior) or prior < 0 or prior > value:
                problems.append(_bad("recovery.returned_before", f"{payer}已返还金额须在0至其分担金额之间",
                                     f"what was returned to {payer} must be between 0 and what it paid"))
    unknown = set(before) - set(names)
    if unknown:
        problems.append(_bad("recovery.returned_before_unknown", "已返还记录中有未分担的机构",
                             f"returns recorded for payers that paid nothing here: {sorted(unknown)}"))
    if problems:
        raise InvalidInput(problems)

    weights = [value for _, value in paid] + [bank_loss_share]
    if amount == 0 or sum(weights) == 0:
        parts = [ZERO] * len(paid) + [amount]
    else:
        parts = split_largest_remainder(amount, weights)
    label_zh, label_en = ("追偿款", "recovery") if kind is RecoveryKind.RECOVERY else ("债权转移价款", "transfer price")
    lines: list[RecoveryLine] = []
    kept_back = ZERO
    for (payer, value), part in zip(paid, parts, strict=False):
        prior = before.get(payer, ZERO)
        room = value - prior
        zh = f"按分担金额{value:,.2f}元占比返还{label_zh}"
        en = f"{label_en} returned in proportion to the {value:,.2f} it paid"
        if part > room:
            kept_back += part - room
            part = room
            zh += f"，累计返还不超过其分担金额（已返还{prior:,.2f}元）"
            en += f", capped at what it paid ({prior:,.2f} returned before)"
        lines.append(RecoveryLine(payer, part, value, prior, zh, en))
    own = parts[-1] + kept_back
    zh = f"申请方按自担部分{bank_loss_share:,.2f}元占比保留{label_zh}"
    en = f"the claimant keeps the {label_en} for its own share of {bank_loss_share:,.2f}"
    if kept_back:
        zh += f"，另保留超出各方分担金额的{kept_back:,.2f}元"
        en += f", and {kept_back:,.2f} beyond what the payers paid"
    lines.append(RecoveryLine(claimant, own, bank_loss_share, ZERO, zh, en))
    return RecoverySplit(kind=kind, amount=amount, claimant=claimant, lines=tuple(lines))


def recovery_basis(split: LossSplit) -> tuple[list[tuple[str, Decimal]], Decimal, str]:
    """From a loss split: (payers with what they paid, the claimant's own share, the claimant).

    ``share_recovery(amount, *recovery_basis(split)[:2], claimant=recovery_basis(split)[2])``.
    Lines of zero are left out.
    """
    paid = [(line.payer, line.amount) for line in split.lines if line.payer != split.claimant and line.amount]
    return paid, split.claimant_amount, split.claimant
