# Production image: gunicorn serves the app; the same image runs the Celery worker and beat.
FROM node:20-bookworm-slim AS assets
WORKDIR /src
COPY package.json package-lock.json ./
COPY scripts/vendor-assets scripts/vendor-assets
RUN mkdir -p static && scripts/vendor-assets

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=config.settings.production
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 \
      libharfbuzz-subset0 fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --create-home --uid 1000 peerpath
WORKDIR /app
COPY requirements/base.txt requirements/base.txt
RUN pip install --no-cache-dir -r requirements/base.txt
COPY . .
COPY --from=assets /src/static/vendor static/vendor
# collectstatic needs settings to load, not real secrets.
RUN SECRET_KEY=build-only-$(head -c 48 /dev/urandom | base64 | tr -d '/+=') \
    python manage.py collectstatic --no-input \
 && mkdir -p /app/media /app/private-media && chown -R peerpath /app/media /app/private-media
USER peerpath
EXPOSE 8000
# Settings, and why gunicorn does not cap a request body: config/gunicorn.py.
CMD ["gunicorn", "-c", "config/gunicorn.py", "config.wsgi:application"]
