"""Sections that later apps add to the enterprise profile (企业画像), e.g. its pool loans.

The registry keeps the import direction of the layers: the profile does not import the pool;
the pool registers its section here in its AppConfig.ready().
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from techfin.enterprises.models import Enterprise


@dataclass(frozen=True)
class ProfilePanel:
    """A profile section: its anchor, template and context (already scoped to the viewer)."""

    key: str
    title: Any
    template: str
    context: Callable[[Any, Enterprise], dict[str, Any]]
    order: int = 100


_PANELS: dict[str, ProfilePanel] = {}


def register_profile_panel(panel: ProfilePanel) -> None:
    _PANELS[panel.key] = panel


def panels_for(user: Any, enterprise: Enterprise) -> list[dict[str, Any]]:
    """Every registered section with its context for this viewer, in order."""
    return [
        {"key": panel.key, "title": panel.title, "template": panel.template, **panel.context(user, enterprise)}
        for panel in sorted(_PANELS.values(), key=lambda p: p.order)
    ]
