from django.contrib.auth import views as auth_views
from django.urls import include, path

from techfin.web import views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(template_name="web/login.html", redirect_authenticated_user=True),
         name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("language/", views.set_language, name="set-language"),
    path("", include("techfin.enterprises.urls")),
    path("", include("techfin.banks.urls")),
    path("", include("techfin.filings.urls")),
    path("", include("techfin.compensation.urls")),
    path("", include("techfin.audit.urls")),
    path("", include("techfin.jobs.urls")),
    path("", include("techfin.ledger.urls")),
    path("", include("techfin.notifications.urls")),
]
