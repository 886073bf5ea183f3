"""Pages for a person's own account: sign up and in, settings (preferences and API tokens),
teams and invites. The rules themselves live in accounts.api, accounts.teams and
accounts.metabolism; these views only gather a form, call them and show the answer. What
the pages show of the limbs (AI models, macros, a team's work) comes through accounts.hooks."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView, LogoutView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import api, teams
from accounts.forms import ClaimForm, InviteForm, TeamForm, TokenForm
from accounts.guests import admit_new_guest
from accounts.hooks import Limb, limb_catalog, storage_usage, team_work
from accounts.metabolism import MetabolismInvalid, VersionConflict, update_metabolism
from accounts.models import SCOPES, ApiToken, Membership, Metabolism, TeamInvite, User, hash_token
from pog_site.errors import RequestError


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
            # A fresh account is a new identity: made under the same meters as a guest (per
            # address and network), or accounts would be the free identities guests are not.
            try:
                admit_new_guest(request)
            except RequestError as exc:
                wait = exc.retry_after or 60
                form.add_error(
                    None,
                    f"Too many new accounts from your address or network just now. Try again in {wait} s.",
                )
                response = render(request, "accounts/signup.html", {"form": form}, status=429)
                response["Retry-After"] = str(wait)
                return response
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


def _me(request: HttpRequest) -> User:
    """The signed-in identity (every view below that changes something is behind login_required)."""
    return cast(User, request.user)


def _signed_in(request: HttpRequest) -> bool:
    """Whether the visitor has an identity yet (one is made by their first post)."""
    return bool(request.user.is_authenticated)


def _as_api(request: HttpRequest) -> HttpRequest:
    # accounts.api's functions read the caller from request.auth; on a page it is the session's user.
    request.auth = request.user  # type: ignore[attr-defined]
    return request


# --- settings: the metabolism form ----------------------------------------------------------

PROVIDER_WORDS = {
    "cloudflare": "Cloudflare",
    "gemini": "Google Gemini",
    "ollama": "Ollama (a computer you run yourself)",
}
TRUST_CARDS = (
    (
        Metabolism.Trust.VALIDATE,
        "Check the AI's work",
        "The studio scores what an AI helper makes. If the score is lower than your level below, "
        "it tries the next helper instead.",
    ),
    (
        Metabolism.Trust.ZERO,
        "Check everything twice",
        "Like above, and things the studio remembers are checked again before they are reused. "
        "Nothing made for someone else is ever reused for you.",
    ),
    (
        Metabolism.Trust.HIGH,
        "Trust the AI",
        "The studio skips the scores, so you get an answer sooner. Broken files are still never accepted.",
    ),
)
EFFICIENCY_CARDS = (
    (
        Metabolism.Efficiency.MUSCLE,
        "Quick",
        "Ask for the same thing twice and you get the remembered answer at once.",
    ),
    (
        Metabolism.Efficiency.DISCOVERY,
        "Always new",
        "Every request is made fresh, so the same words can give you something different.",
    ),
    (
        Metabolism.Efficiency.PRECISION,
        "Careful",
        "Every request is made fresh and the AI must score at least 70% to be kept.",
    ),
)
SCOPE_WORDS = {
    "read": ("Look", "see your things and how they were made"),
    "generate": ("Make", "ask the limbs to make new things"),
}
FIELD_IDS = {
    "preferred_models": "models",
    "confidence": "confidence-default",
    "trust_profile": "trust",
    "efficiency_mode": "efficiency",
    "macros": "macros",
    "version": "metabolism-form",
}


@dataclass
class AiLimb:
    """One limb with AI helpers, as the settings form shows it."""

    id: str
    name: str
    icon: str
    choices: list[tuple[str, str]]
    model: str = ""
    confidence: str = ""


@dataclass
class FormValues:
    """What the metabolism form holds, as the text a browser sends (so typed values survive)."""

    models: dict[str, str] = field(default_factory=dict)
    confidence_default: str = ""
    confidence: dict[str, str] = field(default_factory=dict)
    trust_profile: str = Metabolism.Trust.VALIDATE
    efficiency_mode: str = Metabolism.Efficiency.MUSCLE


def _ai_limbs() -> list[AiLimb]:
    """Limbs with at least one AI tier, each with the models its tiers use by default."""
    found: dict[str, tuple[Limb, dict[str, str]]] = {}
    for made in limb_catalog().default_models():
        _, choices = found.setdefault(made.limb.id, (made.limb, {}))
        words = PROVIDER_WORDS.get(made.provider, made.provider)
        choices[f"{made.provider}:{made.model}"] = f"{words}: {made.model} ({made.action.name.lower()})"
    return [AiLimb(limb.id, limb.name, limb.icon, list(choices.items())) for limb, choices in found.values()]


def _percent(value: Any) -> str:
    return "" if value is None else f"{float(value) * 100:g}"


def _values_of(metabolism: Metabolism) -> FormValues:
    return FormValues(
        models={k: str(v) for k, v in metabolism.preferred_models.items()},
        confidence_default=_percent(metabolism.confidence.get("*", 0.0)),
        confidence={k: _percent(v) for k, v in metabolism.confidence.items() if k != "*"},
        trust_profile=metabolism.trust_profile,
        efficiency_mode=metabolism.efficiency_mode,
    )


def _values_posted(request: HttpRequest, limbs: list[AiLimb]) -> FormValues:
    post = request.POST
    return FormValues(
        models={limb.id: post.get(f"model_{limb.id}", "").strip() for limb in limbs},
        confidence_default=post.get("confidence_default", "").strip(),
        confidence={limb.id: post.get(f"confidence_{limb.id}", "").strip() for limb in limbs},
        trust_profile=post.get("trust_profile", ""),
        efficiency_mode=post.get("efficiency_mode", ""),
    )


def _fraction(text: str) -> Any:
    """Percent text to the 0..1 the metabolism keeps; anything else goes on for clean_changes to refuse."""
    try:
        return float(text) / 100
    except ValueError:
        return text


def _changes(values: FormValues, current: Metabolism, limbs: list[AiLimb]) -> dict[str, Any]:
    shown = {limb.id for limb in limbs}
    # Preferences for limbs the form does not show (set through the API) are kept as they are.
    models = {k: v for k, v in current.preferred_models.items() if k not in shown}
    models |= {k: v for k, v in values.models.items() if v}
    confidence = {k: v for k, v in current.confidence.items() if k not in shown and k != "*"}
    confidence["*"] = _fraction(values.confidence_default or "0")
    confidence |= {k: _fraction(v) for k, v in values.confidence.items() if v}
    return {
        "preferred_models": models,
        "confidence": confidence,
        "trust_profile": values.trust_profile,
        "efficiency_mode": values.efficiency_mode,
    }


def _conflict_rows(mine: FormValues, now: FormValues, limbs: list[AiLimb]) -> list[dict[str, str]]:
    """The settings where what the person typed differs from what another tab saved."""
    auto = "the studio chooses"
    same = "same as everything"
    labels = {str(value): title for value, title, _ in TRUST_CARDS + EFFICIENCY_CARDS}
    rows = [
        ("How sure the AI must be", f"{now.confidence_default or 0}%", f"{mine.confidence_default or 0}%"),
        ("Trust", labels.get(now.trust_profile, now.trust_profile), labels.get(mine.trust_profile, "")),
        (
            "Quick or new",
            labels.get(now.efficiency_mode, now.efficiency_mode),
            labels.get(mine.efficiency_mode, ""),
        ),
    ]
    for limb in limbs:
        names = dict(limb.choices)
        saved_model, typed_model = now.models.get(limb.id, ""), mine.models.get(limb.id, "")
        rows.append(
            (
                f"{limb.name}: favourite helper",
                names.get(saved_model, saved_model) or auto,
                names.get(typed_model, typed_model) or auto,
            )
        )
        saved = now.confidence.get(limb.id)
        typed = mine.confidence.get(limb.id)
        rows.append(
            (
                f"{limb.name}: how sure",
                f"{saved}%" if saved else same,
                f"{typed}%" if typed else same,
            )
        )
    return [{"label": label, "now": a, "mine": b} for label, a, b in rows if a != b]


def _macro_row(index: int, macro: dict[str, Any]) -> dict[str, Any]:
    """A saved macro with a link that opens its limb with everything filled in."""
    limb = limb_catalog().get(str(macro.get("limb", "")))
    url = ""
    if limb is not None:
        query = {"action": macro.get("action", ""), "intent": macro.get("intent", "")}
        query |= {
            k: str(v).lower() if isinstance(v, bool) else v for k, v in (macro.get("params") or {}).items()
        }
        url = f"{reverse('limbs:workspace', args=[limb.id])}?{urlencode(query)}"
    return {"index": index, "macro": macro, "limb": limb, "url": url}


def _settings_context(
    request: HttpRequest, metabolism: Metabolism, values: FormValues | None = None, **extra: Any
) -> dict[str, Any]:
    values = values or _values_of(metabolism)
    limbs = _ai_limbs()
    for limb in limbs:
        limb.model = values.models.get(limb.id, "")
        limb.confidence = values.confidence.get(limb.id, "")
        if limb.model and limb.model not in dict(limb.choices):
            limb.choices.append((limb.model, f"your own choice: {limb.model}"))
    tokens = (
        ApiToken.objects.filter(user=_me(request)).order_by("revoked_at", "-created_at")
        if _signed_in(request)
        else ApiToken.objects.none()
    )
    context: dict[str, Any] = {
        "metabolism": metabolism,
        "values": values,
        "ai_limbs": limbs,
        "trust_cards": TRUST_CARDS,
        "efficiency_cards": EFFICIENCY_CARDS,
        "has_overrides": any(limb.confidence for limb in limbs),
        "macros": [_macro_row(i, m) for i, m in enumerate(metabolism.macros)],
        "tokens": tokens,
        "scope_words": [(scope, *SCOPE_WORDS[scope]) for scope in SCOPES],
        "token_form": TokenForm(initial={"scopes": list(SCOPES)}),
        "storage": storage_usage(_me(request)) if _signed_in(request) else None,
    }
    return context | extra


@require_GET
def settings_page(request: HttpRequest) -> HttpResponse:
    # A visitor with no identity yet sees the defaults; saving them makes their guest.
    metabolism = Metabolism.for_user(_me(request)) if _signed_in(request) else Metabolism()
    return render(request, "accounts/settings.html", _settings_context(request, metabolism))


def _anchor(field: str) -> str:
    """The form control a metabolism error names ("confidence.image" -> "confidence-image")."""
    head, _, limb = field.partition(".")
    if head == "preferred_models" and limb:
        return f"model-{limb}"
    if head == "confidence" and limb not in ("", "*"):
        return f"confidence-{limb}"
    return FIELD_IDS.get(head, "metabolism-form")


def _posted_version(request: HttpRequest) -> int:
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return 0  # no version is never current, so it shows the conflict page with the real one


@login_required
@require_POST
def save_metabolism(request: HttpRequest) -> HttpResponse:
    me = _me(request)
    current = Metabolism.for_user(me)
    limbs = _ai_limbs()
    typed = _values_posted(request, limbs)
    try:
        update_metabolism(me, _posted_version(request), _changes(typed, current, limbs))
    except VersionConflict as exc:
        # Keep what was typed in the form (now based on the current version) and show both.
        context = _settings_context(
            request,
            exc.current,
            typed,
            conflict=_conflict_rows(typed, _values_of(exc.current), limbs),
        )
        return render(request, "accounts/settings.html", context, status=409)
    except MetabolismInvalid as exc:
        message = exc.message
        if exc.field.startswith("confidence"):
            message = "How sure the AI must be is a number from 0 to 100."
        context = _settings_context(
            request, current, typed, form_error={"message": message, "anchor": _anchor(exc.field)}
        )
        return render(request, "accounts/settings.html", context, status=422)
    messages.success(request, "Saved! The studio uses your new choices from your next request.")
    return redirect(reverse("studio:settings") + "#metabolism")


@login_required
@require_POST
def delete_macro(request: HttpRequest, index: int) -> HttpResponse:
    me = _me(request)
    current = Metabolism.for_user(me)
    macros = list(current.macros)
    version = _posted_version(request)
    name = request.POST.get("name", "")
    # The index alone could point at a different macro after an edit elsewhere; the name must match too.
    if version != current.version or index >= len(macros) or macros[index].get("name") != name:
        context = _settings_context(request, current, macro_conflict=name or "that macro")
        return render(request, "accounts/settings.html", context, status=409)
    try:
        update_metabolism(me, version, {"macros": macros[:index] + macros[index + 1 :]})
    except VersionConflict as exc:
        context = _settings_context(request, exc.current, macro_conflict=name)
        return render(request, "accounts/settings.html", context, status=409)
    except MetabolismInvalid as exc:
        context = _settings_context(request, current, form_error={"message": exc.message, "anchor": "macros"})
        return render(request, "accounts/settings.html", context, status=422)
    messages.success(request, f"The macro “{name}” is gone.")
    return redirect(reverse("studio:settings") + "#macros")


# --- settings: API tokens -------------------------------------------------------------------


@login_required
@require_POST
def create_token(request: HttpRequest) -> HttpResponse:
    me = _me(request)
    form = TokenForm(request.POST)
    if not form.is_valid():
        context = _settings_context(request, Metabolism.for_user(me), token_form=form)
        return render(request, "accounts/settings.html", context, status=422)
    data = form.cleaned_data
    token, raw = api.issue_token(me, data["name"] or "", data["scopes"], data["expires_in_days"])
    # Shown in this response only: the studio keeps just the hash, so no later page can show it.
    context = _settings_context(request, Metabolism.for_user(me), new_token={"token": token, "raw": raw})
    return render(request, "accounts/settings.html", context, status=201)


@login_required
@require_POST
def revoke_token(request: HttpRequest, token_id: int) -> HttpResponse:
    revoked = api.revoke_token(_as_api(request), token_id)
    messages.success(request, f"The token {revoked['prefix']}… no longer works.")
    return redirect(reverse("studio:settings") + "#tokens")


# --- teams ----------------------------------------------------------------------------------


def _my_memberships(user: User) -> list[Membership]:
    return list(Membership.objects.filter(user=user).select_related("team").order_by("team__name"))


@require_GET
def teams_page(request: HttpRequest) -> HttpResponse:
    memberships = _my_memberships(_me(request)) if _signed_in(request) else []
    context = {"memberships": memberships, "form": TeamForm()}
    return render(request, "accounts/teams.html", context)


@login_required
@require_POST
def create_team(request: HttpRequest) -> HttpResponse:
    me = _me(request)
    form = TeamForm(request.POST)
    if not form.is_valid():
        context = {"memberships": _my_memberships(me), "form": form}
        return render(request, "accounts/teams.html", context, status=422)
    team = teams.create_team(me, form.cleaned_data["name"])
    messages.success(request, f"Your team “{team.name}” is ready. You are its owner.")
    return redirect("studio:team", team_id=team.pk)


def _team_context(request: HttpRequest, membership: Membership, **extra: Any) -> dict[str, Any]:
    team = membership.team
    members = Membership.objects.filter(team=team).select_related("user").order_by("joined_at")
    context: dict[str, Any] = {
        "team": team,
        "me": membership,
        "is_owner": membership.role == Membership.Role.OWNER,
        "members": members,
        "roles": Membership.Role.choices,
        "invite_form": InviteForm(),
        **team_work(team),  # its projects and library
    }
    return context | extra


@login_required
@require_GET
def team_page(request: HttpRequest, team_id: int) -> HttpResponse:
    membership = api._member_of(_me(request), team_id)
    return render(request, "accounts/team.html", _team_context(request, membership))


def _refused(request: HttpRequest, membership: Membership, exc: RequestError) -> HttpResponse:
    context = _team_context(request, membership, error={"code": exc.code, "message": exc.message})
    return render(request, "accounts/team.html", context, status=exc.status)


@login_required
@require_POST
def make_invite(request: HttpRequest, team_id: int) -> HttpResponse:
    membership = api._member_of(_me(request), team_id)
    form = InviteForm(request.POST)
    if not form.is_valid():
        context = _team_context(request, membership, invite_form=form)
        return render(request, "accounts/team.html", context, status=422)
    try:
        made = api.create_invite(_as_api(request), team_id, api.InviteIn(**form.cleaned_data))
    except RequestError as exc:
        return _refused(request, membership, exc)
    # Like an API token, the link holds a secret that is stored only as a hash: shown this once.
    context = _team_context(request, membership, new_invite=made.value, invite_form=form)
    return render(request, "accounts/team.html", context, status=201)


@login_required
@require_POST
def change_role(request: HttpRequest, team_id: int, user_id: int) -> HttpResponse:
    membership = api._member_of(_me(request), team_id)
    try:
        changed = api.set_role(
            _as_api(request), team_id, user_id, api.RoleIn(role=request.POST.get("role", ""))
        )
    except RequestError as exc:
        return _refused(request, membership, exc)
    member = User.objects.get(pk=changed["user"])
    messages.success(request, f"{member.friendly_name} is now {changed['role']}.")
    return redirect("studio:team", team_id=team_id)


def _invite_state(invite: TeamInvite | None) -> str:
    if invite is None:
        return "unknown"
    if invite.revoked_at is not None:
        return "revoked"
    if invite.expires_at <= timezone.now():
        return "expired"
    if invite.uses >= invite.max_uses:
        return "used_up"
    return "ok"


@require_http_methods(["GET", "POST"])
def join_team(request: HttpRequest, token: str) -> HttpResponse:
    # Looking at an invite needs no identity; accepting it (a post) makes the guest first.
    me = _me(request) if _signed_in(request) else None
    invite = TeamInvite.objects.select_related("team").filter(token_hash=hash_token(token)).first()
    member = Membership.objects.filter(team=invite.team, user=me).first() if invite and me else None
    if request.method == "POST":
        try:
            joined = api.join_team(_as_api(request), token)
        except RequestError:
            invite = TeamInvite.objects.select_related("team").filter(token_hash=hash_token(token)).first()
        else:
            messages.success(request, f"Welcome to {joined['name']}! Your role: {joined['role']}.")
            return redirect("studio:team", team_id=joined["id"])
    state = "member" if member is not None else _invite_state(invite)
    status = {"ok": 200, "member": 200, "unknown": 404}.get(state, 410)
    context = {"invite": invite if state != "unknown" else None, "state": state, "member": member}
    return render(request, "accounts/join.html", context, status=status)
