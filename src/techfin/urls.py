from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("api/", include(("techfin.api.urls", "api"), namespace="api")),
    path("admin/", admin.site.urls),
    path("", include("techfin.web.urls")),
]
