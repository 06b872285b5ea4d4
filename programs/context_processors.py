from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from programs.access import capabilities
from programs.selectors import unread_notification_count


def membership(request: HttpRequest) -> dict[str, Any]:
    active = getattr(request, "membership", None)
    return {
        "membership": active,
        "memberships": getattr(request, "memberships", []),
        "can": capabilities(active),
        # Lazy: counted only when a page shows the bell.
        "unread_notifications": (lambda: unread_notification_count(active)) if active else 0,
    }


def demo(request: HttpRequest) -> dict[str, Any]:
    """In demo mode only: the demo logins and the second-factor code valid right now."""
    if not settings.DEMO_MODE:
        return {}
    from programs.demo import current_demo_code, demo_logins

    return {
        "demo": {
            "code": current_demo_code,
            "logins": demo_logins,
            "password": settings.DEMO_PASSWORD,
        }
    }
