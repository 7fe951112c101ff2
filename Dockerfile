# PharmaCRM image: one image for web (gunicorn), worker and beat.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=crm.settings.production

RUN apt-get update && apt-get install -y --no-install-recommends gettext && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml README.md ./
RUN pip install --upgrade pip && pip install .
COPY . .
# Static files are collected at build time (the settings need some values, none of them secret).
RUN SECRET_KEY=build-only ALLOWED_HOSTS=localhost python manage.py collectstatic --no-input \
    && python manage.py compilemessages -l zh_Hans --ignore='.venv/*' >/dev/null
RUN useradd --create-home --uid 1000 crm && mkdir -p /app/media && chown -R crm /app/media
USER crm
EXPOSE 8000
# Workers, threads and timeouts: gunicorn.conf.py (WEB_WORKERS, WEB_THREADS).
CMD ["gunicorn", "crm.wsgi", "--bind", "0.0.0.0:8000"]
