"""The simplified-Chinese catalogue is complete and its compiled .mo matches the .po."""

from __future__ import annotations

import gettext
import json
import re
from pathlib import Path

import techfin

LOCALE = Path(techfin.__file__).parent / "locale" / "zh_Hans" / "LC_MESSAGES"


def _entries() -> list[tuple[str | None, str, str]]:
    """(context, msgid, msgstr) of every entry; context is None for an entry without msgctxt."""
    text = (LOCALE / "django.po").read_text(encoding="utf-8")
    entries = []
    for block in text.split("\n\n"):
        match = re.search(r'^(?:msgctxt ((?:".*"\n?)+))?msgid ((?:".*"\n?)+)(?:msgid_plural (?:".*"\n?)+)?'
                          r'msgstr(?:\[0\])? ((?:".*"\n?)+)', block, re.M)
        if match:
            context = "".join(json.loads(s) for s in re.findall(r'".*"', match.group(1))) if match.group(1) else None
            msgid = "".join(json.loads(s) for s in re.findall(r'".*"', match.group(2)))
            msgstr = "".join(json.loads(s) for s in re.findall(r'".*"', match.group(3)))
            if msgid:
                entries.append((context, msgid, msgstr))
    return entries


def test_every_message_is_translated() -> None:
    entries = _entries()
    assert len(entries) > 300
    untranslated = [msgid for _context, msgid, msgstr in entries if not msgstr]
    assert not untranslated, f"untranslated: {untranslated[:10]}"
    assert "#, fuzzy" not in (LOCALE / "django.po").read_text(encoding="utf-8")


def test_compiled_catalogue_matches_the_source() -> None:
    with (LOCALE / "django.mo").open("rb") as handle:
        catalogue = gettext.GNUTranslations(handle)
    stale = [msgid for context, msgid, msgstr in _entries()
             if (catalogue.pgettext(context, msgid) if context is not None else catalogue.gettext(msgid)) != msgstr]
    assert not stale, f"django.mo is older than django.po; run msgfmt: {stale[:5]}"
