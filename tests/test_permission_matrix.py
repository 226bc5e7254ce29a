"""Walk every URL of the pages and the API with every role and check the answer.

The table below names every URL pattern of techfin; a pattern missing from it fails the
completeness test, so a new page or endpoint cannot escape the matrix.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.conftest import ROLES, World


@dataclass(frozen=True)
class Case:
    name: str  # URL name, namespaced for the API
    method: str
    kwargs: Callable[[World], dict[str, Any]]
    expected: dict[str, int]  # role -> status
    label: str = ""
    query: str = ""
    data: Callable[[World], dict[str, Any]] | None = None
    multipart: bool = False  # an upload endpoint: send a form, not JSON


def expect(default: int, anonymous: int | None = None, **by_role: int) -> dict[str, int]:
    result = dict.fromkeys(ROLES, default)
    if anonymous is not None:
        result["anonymous"] = anonymous
    result.update(by_role)
    return result


def none(_w: World) -> dict[str, Any]:
    return {}


LOGIN = 302  # pages redirect the anonymous to the login page
API_ANON = 401
OWN_BANK = lambda w: {"pk": w.bank_a.pk}  # noqa: E731
OTHER_BANK = lambda w: {"pk": w.bank_b.pk}  # noqa: E731

CASES: list[Case] = [
    # --- pages ---
    Case("home", "get", none, expect(200, LOGIN)),
    Case("login", "get", none, expect(302, 200)),
    Case("logout", "get", none, expect(405)),
    Case("set-language", "post", none, expect(302), data=lambda w: {"language": "en"}),
    Case("bank-list", "get", none, expect(200, LOGIN)),
    Case("bank-create", "get", none, expect(403, LOGIN, manager=200)),
    Case("bank-detail", "get", OWN_BANK, expect(200, LOGIN), "own bank"),
    Case("bank-detail", "get", OTHER_BANK, expect(200, LOGIN, bank=404), "other bank"),
    Case("bank-edit", "get", OWN_BANK, expect(403, LOGIN, manager=200), "own bank"),
    Case("bank-edit", "get", OTHER_BANK, expect(403, LOGIN, manager=200, bank=404), "other bank"),
    Case("branch-create", "get", lambda w: {"bank_pk": w.bank_b.pk}, expect(403, LOGIN, manager=200, bank=404)),
    Case("branch-edit", "get", lambda w: {"pk": w.branch_b.pk}, expect(403, LOGIN, manager=200, bank=404)),
    Case("branch-delete", "post", lambda w: {"pk": w.branch_b.pk}, expect(403, LOGIN, manager=302, bank=404)),
    Case("enterprise-list", "get", none, expect(200, LOGIN, bank=403, commissioner=403)),
    Case("enterprise-detail", "get", lambda w: {"pk": w.ent_huangpu.pk},
         expect(200, LOGIN, bank=404, commissioner=404), "in Huangpu"),
    Case("enterprise-detail", "get", lambda w: {"pk": w.ent_nansha.pk},
         expect(404, LOGIN, manager=200, supervisor=200), "in Nansha"),
    Case("audit-log", "get", none, expect(403, LOGIN, manager=200, supervisor=200)),
    Case("object-history", "get", lambda w: {"object_type": "banks.bank", "object_id": w.bank_b.pk},
         expect(200, LOGIN, bank=404), "other bank"),
    Case("object-history", "get", lambda w: {"object_type": "enterprises.enterprise",
                                             "object_id": w.ent_nansha.pk},
         expect(404, LOGIN, manager=200, supervisor=200), "enterprise in Nansha"),
    Case("object-history", "get", lambda w: {"object_type": "audit.auditevent", "object_id": "1"},
         expect(404, LOGIN, manager=200, supervisor=200), "an unscoped model"),
    Case("job-detail", "get", lambda w: {"pk": w.job_b.pk}, expect(404, LOGIN, manager=200, supervisor=200),
         "other bank's job"),
    Case("filing-list", "get", none, expect(200, LOGIN, commissioner=403)),
    Case("filing-create", "get", none, expect(403, LOGIN, manager=200, bank=200)),
    Case("filing-review", "get", none, expect(403, LOGIN, manager=200, supervisor=200)),
    Case("filing-template", "get", lambda w: {"fmt": "xlsx"}, expect(200, LOGIN)),
    Case("filing-detail", "get", lambda w: {"pk": w.filing_b.pk}, expect(404, LOGIN, manager=200, supervisor=200),
         "bank B's loan in Nansha"),
    Case("filing-action", "post", lambda w: {"pk": w.filing_b.pk, "action": "accept"},
         expect(404, LOGIN, manager=302, supervisor=403), "accept bank B's loan"),
    Case("batch-list", "get", none, expect(200, LOGIN)),
    Case("batch-upload", "get", none, expect(403, LOGIN, manager=200, bank=200)),
    Case("batch-errors", "get", none, expect(200, LOGIN)),
    Case("batch-detail", "get", lambda w: {"pk": w.batch_b.pk}, expect(404, LOGIN, manager=200, supervisor=200),
         "bank B's batch"),
    Case("batch-report", "get", lambda w: {"pk": w.batch_b.pk}, expect(404, LOGIN), "a batch without report"),
    Case("pool-policy", "get", none, expect(200, LOGIN)),
    Case("anomaly-create", "post", lambda w: {"pk": w.filing_b.pk}, expect(404, LOGIN, manager=302, supervisor=403),
         "on bank B's loan", data=lambda w: {"kind": "overdue", "occurred_on": "2025-08-01", "description": "逾期"}),
    Case("anomaly-list", "get", none, expect(200, LOGIN, commissioner=403)),
    Case("anomaly-detail", "get", lambda w: {"pk": w.anomaly_b.pk}, expect(404, LOGIN, manager=200, supervisor=200)),
    # --- API ---
    Case("api:api-root", "get", none, expect(200, API_ANON)),
    Case("api:schema", "get", none, expect(200)),
    Case("api:docs", "get", none, expect(200)),
    Case("api:token", "post", none, expect(400), "wrong password",
         data=lambda w: {"username": "t_manager", "password": "wrong"}),
    Case("api:me", "get", none, expect(200, API_ANON)),
    Case("api:bank-list", "get", none, expect(200, API_ANON)),
    Case("api:bank-list", "post", none, expect(403, API_ANON, manager=201), "create",
         data=lambda w: {"code": "NEW", "name": "新银行", "bank_type": "other", "joined_on": "2025-01-01"}),
    Case("api:bank-detail", "get", OWN_BANK, expect(200, API_ANON), "own bank"),
    Case("api:bank-detail", "get", OTHER_BANK, expect(200, API_ANON, bank=404), "other bank"),
    Case("api:bank-detail", "patch", OTHER_BANK, expect(403, API_ANON, manager=200, bank=404), "other bank",
         data=lambda w: {"short_name": "改名"}),
    Case("api:bank-detail", "delete", OTHER_BANK, expect(403, API_ANON, manager=204, bank=404), "other bank"),
    Case("api:branch-list", "get", none, expect(200, API_ANON)),
    Case("api:branch-detail", "get", lambda w: {"pk": w.branch_b.pk}, expect(200, API_ANON, bank=404)),
    Case("api:branch-detail", "delete", lambda w: {"pk": w.branch_b.pk},
         expect(403, API_ANON, manager=204, bank=404)),
    Case("api:thirdparty-list", "get", none, expect(200, API_ANON)),
    Case("api:thirdparty-list", "post", none, expect(403, API_ANON, manager=201), "create",
         data=lambda w: {"code": "GZRG", "name": "广州市融资再担保有限公司", "party_type": "guarantor",
                         "joined_on": "2021-01-01"}),
    Case("api:thirdparty-detail", "get", lambda w: {"pk": w.third_party.pk}, expect(200, API_ANON)),
    Case("api:thirdparty-detail", "patch", lambda w: {"pk": w.third_party.pk}, expect(403, API_ANON, manager=200),
         data=lambda w: {"status": "suspended"}),
    Case("api:filing-list", "get", none, expect(200, API_ANON)),
    Case("api:filing-list", "post", none, expect(403, API_ANON, manager=400, bank=400), "incomplete",
         data=lambda w: {"contract_no": "X"}),
    Case("api:filing-detail", "get", lambda w: {"pk": w.filing_b.pk}, expect(404, API_ANON, manager=200, supervisor=200)),
    Case("api:filing-accept", "post", lambda w: {"pk": w.filing_b.pk}, expect(404, API_ANON, manager=400, supervisor=403),
         "already accepted", data=lambda w: {}),
    Case("api:filing-reject", "post", lambda w: {"pk": w.filing_b.pk}, expect(404, API_ANON, manager=400, supervisor=403),
         "without a reason", data=lambda w: {}),
    Case("api:filing-request-amendment", "post", lambda w: {"pk": w.filing_b.pk},
         expect(404, API_ANON, manager=400, supervisor=403), "not waiting", data=lambda w: {"note": "改"}),
    Case("api:filing-withdraw", "post", lambda w: {"pk": w.filing_b.pk}, expect(404, API_ANON, manager=200, supervisor=403),
         data=lambda w: {}),
    Case("api:filingbatch-list", "get", none, expect(200, API_ANON)),
    Case("api:filingbatch-list", "post", none, expect(403, API_ANON, manager=400, bank=400), "no file",
         data=lambda w: {"error_policy": "per_row"}, multipart=True),
    Case("api:filingbatch-detail", "get", lambda w: {"pk": w.batch_b.pk}, expect(404, API_ANON, manager=200, supervisor=200)),
    Case("api:district-list", "get", none, expect(200, API_ANON)),
    Case("api:district-detail", "get", lambda w: {"pk": w.d_nansha.pk}, expect(200, API_ANON)),
    Case("api:enterprise-list", "get", none, expect(200, API_ANON)),
    Case("api:enterprise-detail", "get", lambda w: {"pk": w.ent_nansha.pk},
         expect(404, API_ANON, manager=200, supervisor=200), "in Nansha"),
    Case("api:enterprise-detail", "patch", lambda w: {"pk": w.ent_huangpu.pk},
         expect(403, API_ANON, manager=200, bank=404, commissioner=404), "in Huangpu",
         data=lambda w: {"address": "科学城1号"}),
    Case("api:auditevent-list", "get", none, expect(200, API_ANON)),
    Case("api:auditevent-list", "get", none, expect(200, API_ANON, bank=404), "history of other bank",
         query="object_type=banks.bank&object_id={bank_b}"),
    Case("api:auditevent-detail", "get", lambda w: {"seq": 1}, expect(404, API_ANON, manager=200, supervisor=200)),
    # --- enterprise registry and profile (issue 3) ---
    Case("enterprise-create", "get", none, expect(403, LOGIN, manager=200)),
    Case("enterprise-edit", "get", lambda w: {"pk": w.ent_huangpu.pk},
         expect(403, LOGIN, manager=200, bank=404, commissioner=404), "in Huangpu"),
    Case("enterprise-edit", "get", lambda w: {"pk": w.ent_nansha.pk},
         expect(404, LOGIN, manager=200, supervisor=403), "in Nansha"),
    Case("qualification-create", "get", lambda w: {"enterprise_pk": w.ent_nansha.pk},
         expect(404, LOGIN, manager=200, supervisor=403), "in Nansha"),
    Case("qualification-edit", "get", lambda w: {"pk": _qualification(w.ent_nansha).pk},
         expect(404, LOGIN, manager=200, supervisor=403), "in Nansha"),
    Case("qualification-delete", "post", lambda w: {"pk": _qualification(w.ent_nansha).pk},
         expect(404, LOGIN, manager=302, supervisor=403), "in Nansha"),
    Case("indicator-report-create", "get", lambda w: {"enterprise_pk": w.ent_huangpu.pk},
         expect(403, LOGIN, manager=200, bank=404, commissioner=404), "in Huangpu"),
    Case("indicator-report-edit", "get", lambda w: {"pk": _report(w.ent_nansha).pk},
         expect(404, LOGIN, manager=200, supervisor=403), "in Nansha"),
    Case("indicator-report-delete", "post", lambda w: {"pk": _report(w.ent_nansha).pk},
         expect(404, LOGIN, manager=302, supervisor=403), "in Nansha"),
    Case("risk-event-create", "get", lambda w: {"enterprise_pk": w.ent_nansha.pk},
         expect(404, LOGIN, manager=200, supervisor=403), "in Nansha"),
    Case("risk-event-edit", "get", lambda w: {"pk": _risk_event(w.ent_huangpu).pk},
         expect(403, LOGIN, manager=200, bank=404, commissioner=404), "in Huangpu"),
    Case("risk-event-delete", "post", lambda w: {"pk": _risk_event(w.ent_nansha).pk},
         expect(404, LOGIN, manager=302, supervisor=403), "in Nansha"),
    Case("api:enterprise-list", "post", none, expect(403, API_ANON, manager=201), "create",
         data=lambda w: {"uscc": _new_uscc(), "name": "广州新注册科技有限公司", "district": w.d_huangpu.pk}),
    Case("api:enterprise-verdicts", "get", lambda w: {"pk": w.ent_huangpu.pk},
         expect(200, API_ANON, bank=404, commissioner=404), "in Huangpu"),
    Case("api:enterprise-verdicts", "get", lambda w: {"pk": w.ent_nansha.pk},
         expect(404, API_ANON, manager=200, supervisor=200), "in Nansha"),
    Case("api:enterprise-indicators", "get", lambda w: {"pk": w.ent_nansha.pk},
         expect(404, API_ANON, manager=200, supervisor=200), "in Nansha"),
    Case("api:qualificationkind-list", "get", none, expect(200, API_ANON)),
    Case("api:qualificationkind-detail", "get", lambda w: {"pk": _kind("high_tech").pk}, expect(200, API_ANON)),
    Case("api:qualification-list", "get", none, expect(200, API_ANON)),
    Case("api:qualification-list", "post", none, expect(403, API_ANON, manager=201), "create in Huangpu",
         data=lambda w: {"enterprise": w.ent_huangpu.pk, "kind": "specialised", "valid_from": "2024-07-01"}),
    Case("api:qualification-detail", "get", lambda w: {"pk": _qualification(w.ent_nansha).pk},
         expect(404, API_ANON, manager=200, supervisor=200), "in Nansha"),
    Case("api:qualification-detail", "patch", lambda w: {"pk": _qualification(w.ent_huangpu).pk},
         expect(403, API_ANON, manager=200, bank=404, commissioner=404), "in Huangpu",
         data=lambda w: {"remarks": "复核"}),
    Case("api:qualification-detail", "delete", lambda w: {"pk": _qualification(w.ent_nansha).pk},
         expect(404, API_ANON, manager=204, supervisor=403), "in Nansha"),
    Case("api:indicatorreport-list", "get", none, expect(200, API_ANON)),
    Case("api:indicatorreport-list", "post", none, expect(403, API_ANON, manager=201), "create in Huangpu",
         data=lambda w: {"enterprise": w.ent_huangpu.pk, "year": 2024, "source": "tax",
                         "obtained_on": "2025-05-31", "employees": 10}),
    Case("api:indicatorreport-detail", "get", lambda w: {"pk": _report(w.ent_nansha).pk},
         expect(404, API_ANON, manager=200, supervisor=200), "in Nansha"),
    Case("api:indicatorreport-detail", "delete", lambda w: {"pk": _report(w.ent_huangpu).pk},
         expect(403, API_ANON, manager=204, bank=404, commissioner=404), "in Huangpu"),
    Case("api:riskevent-list", "get", none, expect(200, API_ANON)),
    Case("api:riskevent-list", "post", none, expect(403, API_ANON, manager=201), "create in Huangpu",
         data=lambda w: {"enterprise": w.ent_huangpu.pk, "kind": "lawsuit", "source": "court",
                         "start_on": "2025-01-02"}),
    Case("api:riskevent-detail", "get", lambda w: {"pk": _risk_event(w.ent_huangpu).pk},
         expect(200, API_ANON, bank=404, commissioner=404), "in Huangpu"),
    Case("api:riskevent-detail", "patch", lambda w: {"pk": _risk_event(w.ent_nansha).pk},
         expect(404, API_ANON, manager=200, supervisor=403), "in Nansha", data=lambda w: {"description": "和解"}),
    # --- registry bulk import (issue 3 item 8) ---
    Case("enterprise-import", "get", none, expect(403, LOGIN, manager=200)),
    Case("enterprise-import", "post", none, expect(403, LOGIN, manager=200), "no file",
         data=lambda w: {"kind": "enterprises", "error_policy": "per_row"}),
    Case("enterprise-import-detail", "get", lambda w: {"pk": _enterprise_import(w).pk},
         expect(404, LOGIN, manager=200, supervisor=200), "a manager's import"),
    Case("enterprise-import-download", "get", lambda w: {"pk": _enterprise_import(w).pk, "which": "report"},
         expect(404, LOGIN), "an import without report"),
    Case("enterprise-import-template", "get", lambda w: {"kind": "qualifications", "fmt": "xlsx"},
         expect(403, LOGIN, manager=200)),
    Case("api:enterpriseimport-list", "get", none, expect(200, API_ANON)),
    Case("api:enterpriseimport-list", "post", none, expect(403, API_ANON, manager=415), "JSON instead of multipart",
         data=lambda w: {"kind": "enterprises"}),
    Case("api:enterpriseimport-detail", "get", lambda w: {"pk": _enterprise_import(w).pk},
         expect(404, API_ANON, manager=200, supervisor=200), "a manager's import"),
    Case("api:enterpriseimport-report", "get", lambda w: {"pk": _enterprise_import(w).pk},
         expect(404, API_ANON), "an import without report"),
    Case("api:enterpriseimport-error-list", "get", lambda w: {"pk": _enterprise_import(w).pk},
         expect(404, API_ANON), "an import without error list"),
    # --- statistics (issue 6): a bank officer reads its bank, a district official its district;
    # enterprise users and commissioners read no statistics (published figures reach them elsewhere) ---
    Case("stats-dashboard", "get", none, expect(200, LOGIN, enterprise=403, commissioner=403)),
    Case("stats-dashboard", "get", none, expect(200, LOGIN, bank=404, enterprise=403, commissioner=403),
         "other bank", query="bank={bank_b}"),
    Case("stats-awards-page", "get", none, expect(403, LOGIN, manager=200, supervisor=200), "2024",
         query="year=2024"),
    Case("stats-annual-report", "get", lambda w: {"year": 2024, "fmt": "xlsx"},
         expect(403, LOGIN, manager=200, supervisor=200)),
    Case("stats-data", "get", none, expect(200, LOGIN, enterprise=403, commissioner=403)),
    Case("stats-data", "get", none, expect(200, LOGIN, district=404, enterprise=403, commissioner=403),
         "other district", query="district={district_ns}"),
    Case("stats-export", "get", lambda w: {"table": "bank"}, expect(200, LOGIN, enterprise=403, commissioner=403)),
    Case("stats-export", "get", lambda w: {"table": "yearly"}, expect(200, LOGIN, bank=404, enterprise=403,
                                                                       commissioner=403), "other bank",
         query="bank={bank_b}"),
    Case("api:stats-summary", "get", none, expect(200, API_ANON, enterprise=403, commissioner=403)),
    Case("api:stats-summary", "get", none, expect(200, API_ANON, bank=404, enterprise=403, commissioner=403),
         "other bank", query="bank={bank_b}"),
    Case("api:stats-summary", "get", none, expect(200, API_ANON, district=404, enterprise=403, commissioner=403),
         "other district", query="district={district_ns}"),
    Case("api:stats-awards", "get", none, expect(403, API_ANON, manager=200, supervisor=200), "2024",
         query="year=2024"),
    Case("api:stats-yearly", "get", none, expect(200, API_ANON, enterprise=403, commissioner=403)),
    Case("api:stats-yearly", "get", none, expect(200, API_ANON, bank=404, enterprise=403, commissioner=403),
         "other bank", query="bank={bank_b}"),
    # --- ledger (issue 5, items 3 and 5): read-only pages and API, scoped by account ---
    Case("ledger-account-list", "get", none, expect(200, LOGIN, enterprise=403, commissioner=403)),
    Case("ledger-account-detail", "get", lambda w: {"pk": _ledger(w)["bank_a"].pk},
         expect(404, LOGIN, manager=200, supervisor=200, bank=200), "bank A's account"),
    Case("ledger-account-detail", "get", lambda w: {"pk": _ledger(w)["bank_b"].pk},
         expect(404, LOGIN, manager=200, supervisor=200), "bank B's account"),
    Case("ledger-account-detail", "get", lambda w: {"pk": _ledger(w)["huangpu"].pk},
         expect(404, LOGIN, manager=200, supervisor=200, district=200), "Huangpu's budget"),
    Case("ledger-account-detail", "get", lambda w: {"pk": _ledger(w)["nansha"].pk},
         expect(404, LOGIN, manager=200, supervisor=200), "Nansha's budget"),
    Case("ledger-transfer-detail", "get", lambda w: {"pk": _ledger(w)["to_bank_a"].pk},
         expect(404, LOGIN, manager=200, supervisor=200, bank=200), "city pool to bank A"),
    Case("ledger-transfer-detail", "get", lambda w: {"pk": _ledger(w)["huangpu_to_bank_b"].pk},
         expect(404, LOGIN, manager=200, supervisor=200, district=200), "Huangpu pool to bank B"),
    Case("api:ledger-account-list", "get", none, expect(200, API_ANON)),
    Case("api:ledger-account-list", "post", none, expect(403, API_ANON), "no write API",
         data=lambda w: {"code": "X", "name": "x", "kind": "external"}),
    Case("api:ledger-account-detail", "get", lambda w: {"pk": _ledger(w)["bank_a"].pk},
         expect(404, API_ANON, manager=200, supervisor=200, bank=200), "bank A's account"),
    Case("api:ledger-account-detail", "get", lambda w: {"pk": _ledger(w)["nansha"].pk},
         expect(404, API_ANON, manager=200, supervisor=200), "Nansha's budget"),
    Case("api:ledger-account-statement", "get", lambda w: {"pk": _ledger(w)["huangpu"].pk},
         expect(404, API_ANON, manager=200, supervisor=200, district=200), "Huangpu's budget"),
    Case("api:ledger-transfer-list", "get", none, expect(200, API_ANON)),
    Case("api:ledger-transfer-detail", "get", lambda w: {"pk": _ledger(w)["huangpu_to_bank_b"].pk},
         expect(404, API_ANON, manager=200, supervisor=200, district=200), "Huangpu pool to bank B"),
    Case("api:ledger-transfer-detail", "delete", lambda w: {"pk": _ledger(w)["to_bank_a"].pk},
         expect(405, API_ANON), "transfers are immutable"),
    # --- risk compensation (issue 6, items 1, 2, 3, 7): claims, rounds, budgets ---
    Case("claim-list", "get", none, expect(200, LOGIN, enterprise=403, commissioner=403)),
    Case("claim-create", "get", none, expect(403, LOGIN, manager=200, bank=200)),
    Case("claim-detail", "get", lambda w: {"pk": _comp(w)["claim_b"].pk}, expect(404, LOGIN, manager=200, supervisor=200),
         "bank B's claim in Nansha"),
    Case("claim-detail", "get", lambda w: {"pk": _comp(w)["claim_a"].pk},
         expect(200, LOGIN, enterprise=404, commissioner=404), "bank A's claim in Huangpu"),
    Case("claim-action", "post", lambda w: {"pk": _comp(w)["claim_b"].pk, "action": "approve"},
         expect(404, LOGIN, manager=403, supervisor=302), "approve bank B's submitted claim"),
    Case("claim-document-upload", "post", lambda w: {"pk": _comp(w)["claim_b"].pk},
         expect(404, LOGIN, manager=302, supervisor=403), "no file, bank B's claim"),
    Case("claim-document", "get", lambda w: {"pk": _comp(w)["claim_b"].documents.first().pk},
         expect(404, LOGIN, manager=200, supervisor=200), "bank B's document"),
    Case("claim-queue", "get", none, expect(200, LOGIN, enterprise=403, commissioner=403)),
    Case("claim-queue-serve", "post", none, expect(403, LOGIN, manager=302), data=lambda w: {"year": "2026"}),
    Case("round-list", "get", none, expect(403, LOGIN, manager=200, supervisor=200)),
    Case("round-detail", "get", lambda w: {"pk": _comp(w)["round"].pk}, expect(404, LOGIN, manager=200, supervisor=200)),
    Case("round-action", "post", lambda w: {"pk": _comp(w)["round"].pk, "action": "approve"},
         expect(404, LOGIN, manager=403, supervisor=302)),
    Case("budget-list", "get", none, expect(403, LOGIN, manager=200, supervisor=200, district=200)),
    Case("budget-fund", "post", none, expect(403, LOGIN, manager=302),
         data=lambda w: {"year": "2026", "amount": "100.00", "reference": "R1"}),
    Case("budget-detail", "get", lambda w: {"pk": _comp(w)["nansha"].pk}, expect(404, LOGIN, manager=200, supervisor=200),
         "Nansha's budget"),
    Case("budget-detail", "get", lambda w: {"pk": _comp(w)["huangpu"].pk},
         expect(404, LOGIN, manager=200, supervisor=200, district=200), "Huangpu's budget"),
    Case("api:claim-list", "get", none, expect(200, API_ANON)),
    Case("api:claim-list", "post", none, expect(403, API_ANON, manager=400, bank=400), "incomplete",
         data=lambda w: {"principal_loss": "1.00"}),
    Case("api:claim-detail", "get", lambda w: {"pk": _comp(w)["claim_b"].pk},
         expect(404, API_ANON, manager=200, supervisor=200), "bank B's claim"),
    Case("api:claim-submit", "post", lambda w: {"pk": _comp(w)["claim_b"].pk},
         expect(404, API_ANON, manager=200, supervisor=403), "already submitted", data=lambda w: {}),
    Case("api:claim-withdraw", "post", lambda w: {"pk": _comp(w)["claim_b"].pk},
         expect(404, API_ANON, manager=200, supervisor=403), data=lambda w: {"note": "撤回"}),
    Case("api:claim-return", "post", lambda w: {"pk": _comp(w)["claim_b"].pk},
         expect(404, API_ANON, manager=400, supervisor=403), "without a note", data=lambda w: {}),
    Case("api:claim-recommend", "post", lambda w: {"pk": _comp(w)["claim_b"].pk},
         expect(404, API_ANON, manager=400, supervisor=403), "checklist unconfirmed", data=lambda w: {"checklist": {}}),
    Case("api:claim-approve", "post", lambda w: {"pk": _comp(w)["claim_b"].pk},
         expect(404, API_ANON, manager=403, supervisor=400), "not recommended", data=lambda w: {}),
    Case("api:claim-reject", "post", lambda w: {"pk": _comp(w)["claim_b"].pk},
         expect(404, API_ANON, manager=403, supervisor=400), "without a reason", data=lambda w: {}),
    Case("api:claim-cancel", "post", lambda w: {"pk": _comp(w)["claim_b"].pk},
         expect(404, API_ANON, manager=400, supervisor=400), "without a reason", data=lambda w: {}),
    Case("api:claim-pay", "post", lambda w: {"pk": _comp(w)["claim_b"].pk},
         expect(404, API_ANON, manager=400, supervisor=403), "not approved",
         data=lambda w: {"paid_on": "2026-01-05", "reference": "HK1"}),
    Case("api:claim-documents", "get", lambda w: {"pk": _comp(w)["claim_a"].pk},
         expect(200, API_ANON, enterprise=404, commissioner=404), "bank A's claim"),
    Case("api:claim-serve-queue", "post", none, expect(403, API_ANON, manager=200), data=lambda w: {"year": 2026}),
    Case("api:claimround-list", "get", none, expect(200, API_ANON)),
    Case("api:claimround-list", "post", none, expect(403, API_ANON, manager=201), "open", data=lambda w: {"year": 2030}),
    Case("api:claimround-detail", "get", lambda w: {"pk": _comp(w)["round"].pk},
         expect(404, API_ANON, manager=200, supervisor=200)),
    Case("api:claimround-attach", "post", lambda w: {"pk": _comp(w)["round"].pk},
         expect(404, API_ANON, manager=200, supervisor=403), data=lambda w: {"claims": [_comp(w)["claim_b"].pk]}),
    Case("api:claimround-approve", "post", lambda w: {"pk": _comp(w)["round"].pk},
         expect(404, API_ANON, manager=403, supervisor=200), data=lambda w: {}),
    Case("api:budget-list", "get", none, expect(200, API_ANON)),
    Case("api:budget-detail", "get", lambda w: {"pk": _comp(w)["nansha"].pk},
         expect(404, API_ANON, manager=200, supervisor=200), "Nansha's budget"),
    Case("api:budget-fund", "post", none, expect(403, API_ANON, manager=201),
         data=lambda w: {"year": 2026, "amount": "100.00", "reference": "R1"}),
    Case("api:claim-reverse-payment", "post", lambda w: {"pk": _comp(w)["claim_b"].pk},
         expect(404, API_ANON, manager=400, supervisor=403), "without a reason", data=lambda w: {}),
    # --- after payment (issue 6, items 4, 6, 7): recoveries, debt transfers, risk controls ---
    Case("recovery-list", "get", none, expect(200, LOGIN, enterprise=403, commissioner=403)),
    Case("transfer-list", "get", none, expect(200, LOGIN, enterprise=403, commissioner=403)),
    Case("recovery-detail", "get", lambda w: {"pk": _after(w)["recovery"].pk},
         expect(200, LOGIN, enterprise=404, commissioner=404), "bank A's recovery in Huangpu"),
    Case("recovery-action", "post", lambda w: {"pk": _after(w)["recovery"].pk, "action": "reject"},
         expect(403, LOGIN, manager=302, enterprise=404, commissioner=404), "reject without a reason"),
    Case("risk-controls", "get", none, expect(403, LOGIN, manager=200, supervisor=200, bank=200)),
    Case("risk-alert-acknowledge", "post", lambda w: {"pk": _after(w)["alert"].pk},
         expect(404, LOGIN, manager=302, supervisor=302, bank=403), "bank A's alert"),
    Case("api:recovery-list", "get", none, expect(200, API_ANON)),
    Case("api:recovery-list", "post", none, expect(403, API_ANON, manager=400, bank=400), "incomplete",
         data=lambda w: {"amount": "1.00"}),
    Case("api:recovery-detail", "get", lambda w: {"pk": _after(w)["recovery"].pk},
         expect(200, API_ANON, enterprise=404, commissioner=404), "bank A's recovery"),
    Case("api:recovery-confirm", "post", lambda w: {"pk": _after(w)["recovery"].pk},
         expect(403, API_ANON, manager=200, enterprise=404, commissioner=404), data=lambda w: {}),
    Case("api:recovery-reject", "post", lambda w: {"pk": _after(w)["recovery"].pk},
         expect(403, API_ANON, manager=400, enterprise=404, commissioner=404), "without a reason", data=lambda w: {}),
    Case("api:recovery-reverse", "post", lambda w: {"pk": _after(w)["recovery"].pk},
         expect(403, API_ANON, manager=400, enterprise=404, commissioner=404), "without a reason", data=lambda w: {}),
    Case("api:debttransfer-list", "get", none, expect(200, API_ANON)),
    Case("api:debttransfer-list", "post", none, expect(403, API_ANON, manager=400, bank=400), "incomplete",
         data=lambda w: {"price": "1.00"}),
    Case("api:debttransfer-detail", "get", lambda w: {"pk": _after(w)["transfer"].pk},
         expect(200, API_ANON, enterprise=404, commissioner=404), "bank A's transfer"),
    Case("api:riskalert-list", "get", none, expect(200, API_ANON)),
    Case("api:riskalert-detail", "get", lambda w: {"pk": _after(w)["alert"].pk},
         expect(404, API_ANON, manager=200, supervisor=200, bank=200), "bank A's alert"),
    Case("api:riskalert-acknowledge", "post", lambda w: {"pk": _after(w)["alert"].pk},
         expect(404, API_ANON, manager=200, supervisor=200, bank=403), data=lambda w: {}),
    Case("api:riskalert-figures", "get", none, expect(403, API_ANON, manager=200, supervisor=200, bank=200)),
    # --- loan lifecycle (issue 4, item 7): status reports, anomalies and continuations ---
    Case("continuation-create", "get", lambda w: {"pk": w.filing_b.pk}, expect(404, LOGIN, manager=200, supervisor=403),
         "on bank B's loan"),
    Case("continuation-list", "get", none, expect(200, LOGIN, commissioner=403)),
    Case("continuation-action", "post", lambda w: {"pk": _continuation_b(w).pk, "action": "accept"},
         expect(404, LOGIN, manager=302, supervisor=403), "accept bank B's continuation"),
    Case("api:statusreport-list", "get", none, expect(200, API_ANON)),
    Case("api:statusreport-list", "post", none, expect(403, API_ANON, manager=400, bank=400), "incomplete",
         data=lambda w: {"contract_no": "X"}),
    Case("api:statusreport-detail", "get", lambda w: {"pk": _report_b(w).pk},
         expect(404, API_ANON, manager=200, supervisor=200), "bank B's report"),
    Case("api:anomaly-list", "get", none, expect(200, API_ANON)),
    Case("api:anomaly-list", "post", none, expect(403, API_ANON, manager=201, bank=404), "on bank B's loan",
         data=lambda w: {"filing": w.filing_b.pk, "kind": "litigation", "occurred_on": "2025-08-01",
                         "description": "涉诉"}),
    Case("api:anomaly-detail", "get", lambda w: {"pk": w.anomaly_b.pk}, expect(404, API_ANON, manager=200, supervisor=200)),
    Case("api:anomaly-follow-up", "post", lambda w: {"pk": w.anomaly_b.pk}, expect(404, API_ANON, manager=200, supervisor=403),
         data=lambda w: {"status": "following", "follow_up": "已约谈企业"}),
    Case("api:continuation-list", "get", none, expect(200, API_ANON)),
    Case("api:continuation-list", "post", none, expect(403, API_ANON, manager=400, bank=404),
         "bank B's loan, outside the window around its maturity",
         data=lambda w: {"filing": w.filing_b.pk, "new_maturity_on": "2027-06-01", "new_amount": "1000000.00",
                         "new_rate": "3.5000", "requested_on": "2020-01-01"}),
    Case("api:continuation-detail", "get", lambda w: {"pk": _continuation_b(w).pk},
         expect(404, API_ANON, manager=200, supervisor=200)),
    Case("api:continuation-accept", "post", lambda w: {"pk": _continuation_b(w).pk},
         expect(404, API_ANON, manager=200, supervisor=403), data=lambda w: {}),
    Case("api:continuation-reject", "post", lambda w: {"pk": _continuation_b(w).pk},
         expect(404, API_ANON, manager=400, supervisor=403), "without a reason", data=lambda w: {}),
    Case("api:continuation-withdraw", "post", lambda w: {"pk": _continuation_b(w).pk},
         expect(404, API_ANON, manager=200, supervisor=403), data=lambda w: {}),
    # --- in-platform messages (站内消息): each user's own inbox, whatever the role ---
    Case("notification-list", "get", none, expect(200, LOGIN)),
    Case("notification-read", "post", lambda w: {"pk": _notification(w).pk}, expect(404, LOGIN, manager=302),
         "the manager's message"),
    Case("notification-read-all", "post", none, expect(302, LOGIN)),
    Case("api:notification-list", "get", none, expect(200, API_ANON)),
    Case("api:notification-detail", "get", lambda w: {"pk": _notification(w).pk}, expect(404, API_ANON, manager=200),
         "the manager's message"),
    Case("api:notification-read", "post", lambda w: {"pk": _notification(w).pk}, expect(404, API_ANON, manager=200),
         "the manager's message", data=lambda w: {}),
    Case("api:notification-read-all", "post", none, expect(200, API_ANON), data=lambda w: {}),
]


def _continuation_b(w: World) -> Any:
    """A continuation of bank B's loan waiting for review, written directly (scope needs it to exist)."""
    import datetime as dt

    from techfin.filings.models import Continuation

    found, _ = Continuation.objects.get_or_create(filing=w.filing_b, sequence=1, defaults={
        "requested_on": dt.date(2026, 5, 25), "starts_on": dt.date(2026, 6, 1), "new_amount": 1000000,
        "new_maturity_on": dt.date(2027, 6, 1), "new_rate": 3.5, "rule_set": "gz-techpool-2021", "status": "submitted"})
    return found


def _report_b(w: World) -> Any:
    import datetime as dt

    from techfin.filings.models import StatusReport

    found, _ = StatusReport.objects.get_or_create(filing=w.filing_b, period=dt.date(2025, 7, 1), defaults={
        "loan_status": "normal", "outstanding_principal": 1000000, "reported_on": dt.date(2025, 8, 5)})
    return found


def _notification(w: World) -> Any:
    from techfin.notifications.services import notify

    sent = notify(title="提醒", users=[w.users["manager"]], key="matrix")
    return sent[0] if sent else w.users["manager"].notifications.get(key="matrix")


# Records of the enterprise registry cases, made when a case needs them (issue 3).
def _kind(code: str) -> Any:
    from techfin.enterprises.models import QualificationKind

    return QualificationKind.objects.get(code=code)


def _qualification(enterprise: Any) -> Any:
    import datetime as dt

    from techfin.enterprises import services

    found = enterprise.qualifications.first()
    return found or services.qualification_create(actor=None, enterprise=enterprise, kind=_kind("specialised"),
                                                  valid_from=dt.date(2024, 7, 1))


def _report(enterprise: Any) -> Any:
    import datetime as dt

    from techfin.enterprises import services

    found = enterprise.indicator_reports.first()
    return found or services.indicator_report_create(actor=None, enterprise=enterprise, year=2024, source="tax",
                                                     obtained_on=dt.date(2025, 5, 31), employees=20)


def _risk_event(enterprise: Any) -> Any:
    import datetime as dt

    from techfin.enterprises import services

    found = enterprise.risk_events.first()
    return found or services.risk_event_create(actor=None, enterprise=enterprise, kind="lawsuit", source="court",
                                               start_on=dt.date(2025, 1, 1))


def _new_uscc() -> str:
    from tests.conftest import valid_uscc

    return valid_uscc("91440112MA59YYYY9")

def _ledger(w: World) -> dict[str, Any]:
    """Ledger accounts and two payments (issue 5); services answer a repeated call with the
    first booking, so each case may ask again."""
    import datetime as dt
    from decimal import Decimal

    from techfin.ledger import services

    city = services.budget_account(actor=None, year=2025)
    huangpu = services.budget_account(actor=None, year=2025, district=w.d_huangpu)
    made = {"city": city, "huangpu": huangpu,
            "nansha": services.budget_account(actor=None, year=2025, district=w.d_nansha),
            "bank_a": services.bank_account(actor=None, bank=w.bank_a),
            "bank_b": services.bank_account(actor=None, bank=w.bank_b)}
    on = dt.date(2025, 6, 1)
    services.budget_allocate(actor=None, account=city, amount=Decimal("1000.00"), year=2025, key="m-city", booked_on=on)
    services.budget_allocate(actor=None, account=huangpu, amount=Decimal("1000.00"), year=2025, key="m-hp",
                             booked_on=on)
    made["to_bank_a"] = services.transfer(key="m-pay-a", debit=city, credit=made["bank_a"], amount=Decimal("10.00"),
                                          kind="payment", booked_on=on)
    made["huangpu_to_bank_b"] = services.transfer(key="m-pay-b", debit=huangpu, credit=made["bank_b"],
                                                  amount=Decimal("20.00"), kind="payment", booked_on=on)
    return made


def _comp(w: World) -> dict[str, Any]:
    """Two claims (bank A in Huangpu, draft; bank B in Nansha, submitted), a round and two district
    budgets (issue 6), made once per world."""
    made = getattr(w, "_compensation", None)
    if made is not None:
        return made
    from techfin.compensation import rounds
    from techfin.compensation import services as comp
    from techfin.ledger import services as ledger
    from tests.compensation.conftest import CLAIMED_ON, D, attach_documents, bad_loan

    claim_a = comp.claim_open(actor=None, filing=bad_loan(w, w.ent_huangpu), principal_loss=D("1000.00"))
    attach_documents(claim_a, None, ("loan_contract",))
    claim_b = comp.claim_open(actor=None, filing=bad_loan(w, w.ent_nansha, bank=w.bank_b), principal_loss=D("1000.00"))
    attach_documents(claim_b, None)
    claim_b = comp.claim_submit(actor=None, claim=claim_b, on=CLAIMED_ON)
    made = {"claim_a": claim_a, "claim_b": claim_b, "round": rounds.round_open(actor=None, year=2025),
            "nansha": ledger.budget_account(actor=None, year=2026, district=w.d_nansha),
            "huangpu": ledger.budget_account(actor=None, year=2026, district=w.d_huangpu)}
    w._compensation = made  # type: ignore[attr-defined]
    return made


def _after(w: World) -> dict[str, Any]:
    """Bank A's paid claim in Huangpu with a recovery reported and then a debt transfer, and a
    risk alert about bank A (issue 6), made once per world."""
    made = getattr(w, "_after_payment", None)
    if made is not None:
        return made
    import datetime as dt

    from techfin.compensation import recoveries
    from techfin.compensation import services as comp
    from techfin.compensation.models import RiskAlert
    from tests.compensation.conftest import CHECKED, D, bad_loan, submitted

    for district in (None, w.d_huangpu):
        comp.budget_fund(actor=None, year=2026, amount=D("100000.00"), district=district,
                         key=f"after-{district.code if district else 0}", booked_on=dt.date(2026, 1, 5))
    claim = submitted(w, bad_loan(w, w.ent_huangpu), "1000.00")
    claim = comp.claim_recommend(actor=None, claim=claim, checklist=CHECKED, on=dt.date(2026, 2, 10))
    claim = comp.claim_approve(actor=None, claim=claim, on=dt.date(2026, 3, 1))
    claim = comp.claim_pay(actor=None, claim=claim, paid_on=dt.date(2026, 3, 9), reference="PAY-A")
    recovery = recoveries.recovery_report(actor=None, claim=claim, amount=D("100.00"), recovered_on=dt.date(2026, 6, 1),
                                          source="法院执行", reference="HK-A")
    transfer = recoveries.debt_transfer_record(actor=None, claim=claim, price=D("200.00"),
                                               agreed_on=dt.date(2026, 7, 1), buyer_name="资产管理公司",
                                               reference="ZR-A")
    alert = RiskAlert.objects.create(bank=w.bank_a, year=2025, metric="bank_principal_loss_ratio",
                                     rule_set="gz-credit-risk-comp-2025", numerator=D("40.00"), denominator=D("1000.00"),
                                     ratio_percent=D("4"), threshold_percent=D("3"), message_zh="超过3%",
                                     message_en="above 3%", raised_on=dt.date(2026, 3, 1))
    made = {"claim": claim, "recovery": recovery, "transfer": transfer, "alert": alert}
    w._after_payment = made  # type: ignore[attr-defined]
    return made


def _case_id(case: Case) -> str:
    return f"{case.method.upper()} {case.name}{' (' + case.label + ')' if case.label else ''}"


def _all_url_names() -> set[str]:
    names: set[str] = set()

    def walk(patterns: list[Any], namespace: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                if p.namespace == "admin":
                    continue
                walk(p.url_patterns, f"{namespace}{p.namespace}:" if p.namespace else namespace)
            elif isinstance(p, URLPattern) and p.name:
                names.add(namespace + p.name)

    walk(get_resolver().url_patterns, "")
    return names


def test_every_url_is_in_the_matrix() -> None:
    missing = _all_url_names() - {c.name for c in CASES}
    assert not missing, f"URLs without a permission case: {sorted(missing)}"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_permission_matrix(case: Case, role: str, world: World, client: Any) -> None:
    if role != "anonymous":
        client.force_login(world.users[role])
    url = reverse(case.name, kwargs=case.kwargs(world))
    if case.query:
        url += "?" + case.query.format(bank_b=world.bank_b.pk, district_ns=world.d_nansha.pk)
    data = case.data(world) if case.data else None
    call = getattr(client, case.method)
    if case.name.startswith("api:") and case.method in {"post", "patch", "put"} and not case.multipart:
        response = call(url, data=data, content_type="application/json")
    else:
        response = call(url, data=data) if data is not None else call(url)
    assert response.status_code == case.expected[role], (
        f"{role} {case.method.upper()} {url}: got {response.status_code}, expected {case.expected[role]}"
    )


def _enterprise_import(w: World) -> Any:
    from techfin.enterprises.models import EnterpriseImport

    return EnterpriseImport.objects.create(kind="enterprises", original_name="e.xlsx", file="enterprise-imports/e.xlsx",
                                           uploaded_by=w.users["manager"], status="done")
