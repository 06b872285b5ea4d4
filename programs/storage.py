"""Storage for private uploads (evidence, certificates, agreements): files with no URL.

They are served only by views that check who is asking. The folder is read from settings
on each use, so tests and deployments can move it.
"""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core.files.storage import FileSystemStorage

PRIVATE_FILES_HAVE_NO_URL = "Private files are served only through access-checked views."


class PrivateStorage(FileSystemStorage):
    @property
    def base_location(self) -> str:
        return str(settings.PRIVATE_MEDIA_ROOT)

    @property
    def location(self) -> str:
        return os.path.abspath(self.base_location)

    def url(self, name: str | None) -> str:
        raise ValueError(PRIVATE_FILES_HAVE_NO_URL)


def private_storage() -> Any:
    """The private storage, looked up on use (a callable, so migrations name no folder)."""
    from django.core.files.storage import storages

    return storages["private"]
