from __future__ import annotations

from django import forms


class ProjectForm(forms.Form):
    """A project is the person's own (team empty) or one of their teams'. Which teams the
    person may make things in is for limbs.projects.create_project to say, not this form."""

    name = forms.CharField(max_length=80, error_messages={"required": "Give the project a name."})
    team = forms.IntegerField(required=False, min_value=1)

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("Give the project a name.")
        return name
