"""Text PostgreSQL cannot store (NUL, a lone surrogate) is a field error in every form's text
fields, and never reaches an audit row as it is (config/text.py)."""

from __future__ import annotations

import django_filters
import pytest
from allauth.account.forms import LoginForm
from django import forms

from config.text import (
    CANNOT_BE_STORED,
    has_unstorable,
    require_storable_text_in_forms,
    storable,
    validate_storable_text,
)
from programs.models import PhaseTemplateItem

UNSTORABLE = ["\x00", "a\x00b", "\ud800", "x\udfffy", "😀\ud83d"]
STORABLE = [
    "",
    "plain",
    "José Ñúñez",
    "😀 👩🏽‍⚕️",
    "\u202etxt.exe",
    "日本語",
    "\ufffd",
    "x" * 10_000,
]


@pytest.mark.parametrize("text", UNSTORABLE)
def test_nul_and_lone_surrogates_are_unstorable(text):
    assert has_unstorable(text)
    assert has_unstorable({"k": [text]}) and has_unstorable({text: 1})


@pytest.mark.parametrize("text", STORABLE)
def test_any_other_text_is_storable(text):
    assert not has_unstorable(text)
    validate_storable_text(text)  # does not raise
    assert storable(text) == text


def test_storable_replaces_only_what_cannot_be_stored_and_keeps_the_shape():
    assert storable({"a\x00": ["x\ud800", 3, None, {"b": "ok"}]}) == {
        "a\ufffd": ["x\ufffd", 3, None, {"b": "ok"}]
    }
    assert storable(("\x00",)) == ["\ufffd"]


class _Every(forms.Form):
    text = forms.CharField()
    email = forms.EmailField()
    slug = forms.SlugField()
    url = forms.URLField(assume_scheme="https")
    regex = forms.RegexField(regex=r".*")
    area = forms.CharField(widget=forms.Textarea)
    blank_allowed = forms.CharField(required=False, strip=False)


class _Model(forms.ModelForm[PhaseTemplateItem]):
    class Meta:
        model = PhaseTemplateItem
        fields = ("title",)


@pytest.mark.parametrize("text", UNSTORABLE)
@pytest.mark.parametrize("name", list(_Every.base_fields))
def test_every_kind_of_text_field_refuses_it_with_one_message(name, text):
    form = _Every(data={name: text})
    assert not form.is_valid()
    assert CANNOT_BE_STORED in form.errors[name]
    # One message, not Django's own NUL message beside ours.
    assert "Null characters are not allowed." not in form.errors[name]


@pytest.mark.parametrize("text", UNSTORABLE)
def test_model_forms_filters_and_the_sign_in_form_refuse_it(text):
    model_form = _Model(data={"title": text})
    assert not model_form.is_valid() and CANNOT_BE_STORED in model_form.errors["title"]

    class Filter(django_filters.FilterSet):
        title = django_filters.CharFilter()

        class Meta:
            model = PhaseTemplateItem
            fields: list[str] = []

    flt = Filter({"title": text}, queryset=PhaseTemplateItem.objects.none())
    assert not flt.is_valid() and CANNOT_BE_STORED in flt.errors["title"]
    login = LoginForm(data={"login": f"a{text}@example.org", "password": "x"})
    assert not login.is_valid() and CANNOT_BE_STORED in login.errors["login"]


def test_a_field_made_after_start_up_and_a_dynamic_field_get_it_too():
    class Later(forms.Form):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.fields["note"] = forms.CharField(required=False)

    form = Later(data={"note": "\x00"})
    assert not form.is_valid() and form.errors["note"] == [CANNOT_BE_STORED]


def test_installing_twice_adds_the_validator_once():
    require_storable_text_in_forms()
    require_storable_text_in_forms()
    assert forms.CharField().validators.count(validate_storable_text) == 1
