"""The simplified-Chinese catalogue is complete and its compiled .mo matches the .po."""

from __future__ import annotations

import gettext
import json
import re
from pathlib import Path

import techfin

LOCALE = Path(techfin.__file__).parent / "locale" / "zh_Hans" / "LC_MESSAGES"


def _entries() -> list[tuple[str, str]]:
    text = (LOCALE / "django.po").read_text(encoding="utf-8")
    pairs = []
    for block in text.split("\n\n"):
        match = re.search(r'^msgid ((?:".*"\n?)+)(?:msgid_plural (?:".*"\n?)+)?msgstr(?:\[0\])? ((?:".*"\n?)+)',
                          block, re.M)
        if match:
            msgid = "".join(json.loads(s) for s in re.findall(r'".*"', match.group(1)))
            msgstr = "".join(json.loads(s) for s in re.findall(r'".*"', match.group(2)))
            if msgid:
                pairs.append((msgid, msgstr))
    return pairs


def test_every_message_is_translated() -> None:
    entries = _entries()
    assert len(entries) > 300
    untranslated = [msgid for msgid, msgstr in entries if not msgstr]
    assert not untranslated, f"untranslated: {untranslated[:10]}"
    assert "#, fuzzy" not in (LOCALE / "django.po").read_text(encoding="utf-8")


def test_compiled_catalogue_matches_the_source() -> None:
    with (LOCALE / "django.mo").open("rb") as handle:
        catalogue = gettext.GNUTranslations(handle)
    stale = [msgid for msgid, msgstr in _entries() if catalogue.gettext(msgid) != msgstr]
    assert not stale, f"django.mo is older than django.po; run msgfmt: {stale[:5]}"
