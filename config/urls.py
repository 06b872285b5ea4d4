from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from programs.views import healthz

# Django admin is for platform superusers only; organization admins work in the app.
admin.site.has_permission = lambda request: bool(  # type: ignore[method-assign]
    request.user.is_active and request.user.is_superuser
)
admin.site.site_header = "PeerPath platform administration"
# Platform admins sign in through the app's own pages: second factor and lockout included.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("platform-admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("certification/", include("certification.urls")),
    path("supervision/", include("supervision.urls")),
    path("", include("training.urls")),
    path("", include("encounters.urls")),
    path("", include("encounters.reporting.urls")),
    path("", include("programs.urls")),
]
