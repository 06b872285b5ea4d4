"""The embedded default for a laptop: SQLite, in-process tasks, console e-mail, demo banner."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env("SECRET_KEY", default="insecure-local-development-key-never-use-in-production")
DEMO_MODE = env.bool("DEMO_MODE", default=True)
DEMO_TOTP_SECRET = env("DEMO_TOTP_SECRET", default="JBSWY3DPEHPK3PXPPEERPATHDEMO2345")
DEMO_PASSWORD = env("DEMO_PASSWORD", default="peerpath-demo")
WHITENOISE_USE_FINDERS = True
