"""REST endpoints about the signed-in user."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from techfin.accounts import services
from techfin.accounts.models import User


class MeSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = User
        fields = ["id", "username", "full_name", "role", "bank", "district", "enterprise", "language"]
        read_only_fields = ["id", "username", "full_name", "role", "bank", "district", "enterprise"]


class MeView(APIView):
    """The signed-in user, their role and what they are bound to; PATCH sets the language."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=MeSerializer)
    def get(self, request: Request) -> Response:
        return Response(MeSerializer(request.user).data)

    @extend_schema(request=MeSerializer, responses=MeSerializer)
    def patch(self, request: Request) -> Response:
        serializer = MeSerializer(request.user, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        user = services.user_set_language(
            actor=request.user, user=request.user, language=serializer.validated_data.get(
                "language", request.user.language
            ),
        )
        return Response(MeSerializer(user).data)


class TokenView(ObtainAuthToken):
    """Exchange a username and password for an API token (`Authorization: Token …`)."""

    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().post(request, *args, **kwargs)
