from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.password_validation import validate_password

from accounts.models import SCOPES, KillSwitch, Membership, User


class ClaimForm(forms.Form):
    """Sign up: turns the current guest into a full account (or makes a new one)."""

    username = forms.CharField(max_length=150, help_text="Letters, digits and @/./+/-/_ only.")
    email = forms.EmailField(required=False)
    password = forms.CharField(widget=forms.PasswordInput, strip=False)

    def clean_username(self) -> str:
        username: str = self.cleaned_data["username"].strip()
        field = User._meta.get_field("username")
        for validator in field.validators:
            validator(username)
        if username.lower().startswith("guest-"):
            raise forms.ValidationError("Names starting with 'guest-' are kept for guests.")
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError("That name is taken. Try another one.")
        return username

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        password = data.get("password")
        if password:
            try:
                validate_password(password, User(username=data.get("username", "")))
            except forms.ValidationError as exc:
                self.add_error("password", exc)
        return data


class TokenForm(forms.Form):
    """A new API token: a name to tell it apart, what it may do, and when it stops working."""

    name = forms.CharField(max_length=60, required=False)
    scopes = forms.MultipleChoiceField(
        choices=[(s, s) for s in SCOPES],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Tick at least one thing the token may do."},
    )
    expires_in_days = forms.IntegerField(min_value=1, max_value=3650, required=False)


class TeamForm(forms.Form):
    name = forms.CharField(max_length=80, error_messages={"required": "Give the team a name."})

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("Give the team a name.")
        return name


class InviteForm(forms.Form):
    role = forms.ChoiceField(choices=Membership.Role.choices, initial=Membership.Role.EDITOR)
    days = forms.IntegerField(min_value=1, max_value=90, initial=7)
    max_uses = forms.IntegerField(min_value=1, max_value=1000, initial=10)


class KillSwitchForm(forms.Form):
    """The staff console's "stop something" form; set_switch checks the target and reason."""

    scope = forms.ChoiceField(choices=KillSwitch.Scope.choices)
    target = forms.CharField(max_length=80, required=False)
    reason = forms.CharField(max_length=300, required=False, widget=forms.Textarea(attrs={"rows": 3}))
