from django.urls import path

from techfin.enterprises import views

urlpatterns = [
    path("enterprises/", views.enterprise_list, name="enterprise-list"),
    path("enterprises/new/", views.enterprise_create, name="enterprise-create"),
    path("enterprises/import/", views.enterprise_import, name="enterprise-import"),
    path("enterprises/import/<int:pk>/", views.enterprise_import_detail, name="enterprise-import-detail"),
    path("enterprises/import/<int:pk>/<str:which>/", views.enterprise_import_download,
         name="enterprise-import-download"),
    path("enterprises/import/templates/<slug:kind>.<str:fmt>", views.enterprise_import_template,
         name="enterprise-import-template"),
    path("enterprises/<int:pk>/", views.enterprise_detail, name="enterprise-detail"),
    path("enterprises/<int:pk>/edit/", views.enterprise_edit, name="enterprise-edit"),
    path("enterprises/<int:enterprise_pk>/qualifications/new/", views.qualification_create,
         name="qualification-create"),
    path("qualifications/<int:pk>/edit/", views.qualification_edit, name="qualification-edit"),
    path("qualifications/<int:pk>/delete/", views.qualification_delete, name="qualification-delete"),
    path("enterprises/<int:enterprise_pk>/indicators/new/", views.indicator_report_create,
         name="indicator-report-create"),
    path("indicators/<int:pk>/edit/", views.indicator_report_edit, name="indicator-report-edit"),
    path("indicators/<int:pk>/delete/", views.indicator_report_delete, name="indicator-report-delete"),
    path("enterprises/<int:enterprise_pk>/risk-events/new/", views.risk_event_create, name="risk-event-create"),
    path("risk-events/<int:pk>/edit/", views.risk_event_edit, name="risk-event-edit"),
    path("risk-events/<int:pk>/delete/", views.risk_event_delete, name="risk-event-delete"),
]
