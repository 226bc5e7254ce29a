from django.urls import path

from techfin.audit import views

urlpatterns = [
    path("audit/", views.audit_log, name="audit-log"),
    path("history/<str:object_type>/<str:object_id>/", views.object_history, name="object-history"),
]
