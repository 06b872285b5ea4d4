"""Text that PostgreSQL can store, enforced where text enters: every form's text fields.

PostgreSQL refuses a NUL character in a text column and in jsonb, and a lone surrogate (half
of a UTF-16 pair, which browsers never send but a pasted or crafted value can carry) cannot be
encoded as UTF-8 at all. Either reaching the database is a 500, so both are a field error
instead. Django's forms.CharField already refuses NUL with a validator it adds in its own
`__init__`; `require_storable_text_in_forms()` (called by this app's `ready()`, first in
INSTALLED_APPS, before any other app's forms are defined) puts ours in its place, so every
CharField and every subclass (EmailField, SlugField, model forms' fields, django-filter's and
allauth's fields, and any written later) refuses both with one message. A base form class
would be forgotten by the next form; this cannot be. tests/test_architecture.py fails on any
form of ours or of the sign-in pages whose text field goes without it.

The audit log's writer takes the same rule through `storable()`, so whatever reaches an
audit row (a value that never passed a form) is stored with the character replaced, never a
500 and never lost.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.utils.deconstruct import deconstructible

CANNOT_BE_STORED = (
    "This contains a character that cannot be stored (a hidden null character or half of "
    "an emoji); remove it and try again."
)
# For an import cell, in the import's own lower-case style.
CELL_CANNOT_BE_STORED = "contains a character that cannot be stored (a null or broken character)"
REPLACEMENT = "\ufffd"

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def has_unstorable(value: Any) -> bool:
    """Whether a text, or any text inside a list or dict (keys too), cannot be stored."""
    if isinstance(value, str):
        return _UNSTORABLE.search(value) is not None
    if isinstance(value, dict):
        return any(has_unstorable(k) or has_unstorable(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(has_unstorable(v) for v in value)
    return False


def storable(value: Any) -> Any:
    """The value with every character that cannot be stored replaced by U+FFFD, inside lists
    and dicts too; anything else is returned as it is."""
    if isinstance(value, str):
        return _UNSTORABLE.sub(REPLACEMENT, value)
    if isinstance(value, dict):
        return {storable(k): storable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [storable(v) for v in value]
    return value


@deconstructible
class StorableTextValidator:
    """Refuses text with NUL or a lone surrogate (for form fields and model fields alike)."""

    message = CANNOT_BE_STORED
    code = "cannot_be_stored"

    def __call__(self, value: Any) -> None:
        if has_unstorable(value):
            raise ValidationError(self.message, code=self.code)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, StorableTextValidator)

    def __hash__(self) -> int:
        return hash(StorableTextValidator)


validate_storable_text = StorableTextValidator()


def require_storable_text_in_forms() -> None:
    """Give every forms.CharField (and subclass) made from now on our validator in place of
    Django's NUL-only one. Idempotent."""
    original = forms.CharField.__init__
    if getattr(original, "storable_text", False):
        return

    @functools.wraps(original)
    def __init__(self: forms.CharField, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        self.validators = [
            v for v in self.validators if not isinstance(v, ProhibitNullCharactersValidator)
        ]
        if validate_storable_text not in self.validators:
            self.validators.append(validate_storable_text)

    __init__.storable_text = True  # type: ignore[attr-defined]
    forms.CharField.__init__ = __init__  # type: ignore[method-assign]
