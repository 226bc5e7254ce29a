"""Writes to user accounts."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from techfin.accounts.models import Language, User


def user_set_language(*, actor: Any, user: User, language: str) -> User:
    """Save the user's interface language (简体中文 or English).

    A preference, not a business record, so it is not written to the audit log.
    """
    if language not in Language.values:
        raise ValidationError({"language": [_("Unknown language.")]})
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])
    return user
