from __future__ import annotations

from django.contrib.auth import login
from django.contrib.auth.views import LoginView, LogoutView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts.forms import ClaimForm
from accounts.models import User


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    """Claim the guest identity (keeping every asset), or create a fresh account."""
    current = request.user
    if current.is_authenticated and not getattr(current, "is_guest", False):
        return redirect("hud")
    form = ClaimForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if isinstance(current, User) and current.is_guest:
            user = current
            user.claim(data["username"], data["password"], data.get("email", ""))
        else:
            user = User.objects.create_user(data["username"], data.get("email", ""), data["password"])
        # login() cycles the session key, so the claimed identity gets a fresh session.
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect("hud")
    return render(request, "accounts/signup.html", {"form": form}, status=422 if form.errors else 200)


class StudioLoginView(LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = False


class StudioLogoutView(LogoutView):
    pass
