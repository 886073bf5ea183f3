from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.password_validation import validate_password

from accounts.models import User


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
