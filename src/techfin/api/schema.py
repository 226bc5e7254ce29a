"""OpenAPI schema generation: every operation documents the one error body."""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema as BaseAutoSchema
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """The one error body: a code, a message in the user's language, and field errors."""

    code = serializers.CharField()
    message = serializers.CharField()
    fields = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


class AutoSchema(BaseAutoSchema):
    def _get_response_bodies(self, direction: str = "response") -> dict[str, Any]:
        bodies: dict[str, Any] = super()._get_response_bodies(direction)
        # 404 everywhere: a detail outside scope, and a list page past the end.
        codes = ["401", "403", "404"]
        if self.method in ("POST", "PUT", "PATCH") or self._is_list_view():
            codes.insert(0, "400")
        for code in codes:
            bodies.setdefault(code, self._get_response_for_code(ErrorSerializer, code))
        return bodies
