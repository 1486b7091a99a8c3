"""Who may enter the back office: staff (agent, moderator, administrator) of the request's organisation."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

from parlons.common.errors import NotFound
from parlons.core import permissions

View = Callable[..., HttpResponse]


def backoffice_access(*, admin_only: bool = False) -> Callable[[View], View]:
    """Decorate a back-office view: anonymous → login, not staff (or not admin when ``admin_only``) → 403.

    Membership is looked up for ``request.organisation`` only, so an administrator of another town gets
    403 here and never reaches a selector with this town's ids.
    """

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            organisation = request.organisation  # type: ignore[attr-defined]
            allowed = (
                permissions.is_admin(request.user, organisation)
                if admin_only
                else permissions.is_staff(request.user, organisation)
            )
            if not allowed:
                raise PermissionDenied
            try:
                return view(request, *args, **kwargs)
            except NotFound as exc:
                raise Http404 from exc

        return wrapped

    return decorator


staff_required = backoffice_access()
admin_required = backoffice_access(admin_only=True)
