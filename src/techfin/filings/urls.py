from django.urls import path

from techfin.filings import views

urlpatterns = [
    path("filings/", views.filing_list, name="filing-list"),
    path("filings/new/", views.filing_create, name="filing-create"),
    path("filings/review/", views.review_list, name="filing-review"),
    path("filings/template.<str:fmt>", views.loan_template, name="filing-template"),
    path("filings/<int:pk>/", views.filing_detail, name="filing-detail"),
    path("filings/<int:pk>/<str:action>/", views.filing_action, name="filing-action"),
    path("filings/<int:pk>/anomalies/new/", views.anomaly_create, name="anomaly-create"),
    path("filings/<int:pk>/continuations/new/", views.continuation_create, name="continuation-create"),
    path("continuations/", views.continuation_list, name="continuation-list"),
    path("continuations/<int:pk>/<str:action>/", views.continuation_action, name="continuation-action"),
    path("anomalies/", views.anomaly_list, name="anomaly-list"),
    path("anomalies/<int:pk>/", views.anomaly_detail, name="anomaly-detail"),
    path("batches/", views.batch_list, name="batch-list"),
    path("batches/new/", views.batch_upload, name="batch-upload"),
    path("batches/rejected-rows/", views.batch_errors, name="batch-errors"),
    path("batches/<int:pk>/", views.batch_detail, name="batch-detail"),
    path("batches/<int:pk>/report/", views.batch_report, name="batch-report"),
    path("pool/policy/", views.policy_view, name="pool-policy"),
]
