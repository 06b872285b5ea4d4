"""gunicorn settings for the image (Dockerfile: `gunicorn -c config/gunicorn.py`).

gunicorn limits the request line and the headers only; it has no setting for the size of
a body. The body is capped twice: by the app (programs.middleware.RequestSizeMiddleware,
REQUEST_MAX_BYTES, 25 MB by default) and by the proxy in front (deploy/nginx.conf,
client_max_body_size 25m), which refuses a large upload before it reaches a worker.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "3"))
accesslog = "-"
# A slow client cannot hold a worker for long; a large upload streams through the proxy.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
# gunicorn's defaults, written down: the longest request line (URL and query), and how
# many headers of what size a request may carry.
limit_request_line = 4094
limit_request_fields = 100
limit_request_field_size = 8190
