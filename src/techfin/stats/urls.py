from django.urls import path

from techfin.stats import views

urlpatterns = [
    path("stats/", views.dashboard, name="stats-dashboard"),
    path("stats/data/", views.dashboard_json, name="stats-data"),
    path("stats/awards/", views.awards, name="stats-awards-page"),
    path("stats/report/<int:year>.<str:fmt>", views.annual_report_file, name="stats-annual-report"),
    path("stats/export/<slug:table>/", views.export, name="stats-export"),
]
