from django.urls import path

from techfin.jobs import views

urlpatterns = [
    path("jobs/<int:pk>/", views.job_detail, name="job-detail"),
]
