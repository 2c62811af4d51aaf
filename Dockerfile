# syntax=docker/dockerfile:1
#
# One image for every process of the service desk: the web app (gunicorn, the default command), the
# Celery worker and beat, and one-shot management commands such as `python manage.py migrate`.
# docker-compose.yml beside this file runs the whole stack. Configuration comes from the environment
# (DATABASE_URL, REDIS_URL, EMAIL_URL, SECRET_KEY, ALLOWED_HOSTS, SITE_URL, ...; see the README).
#
#   docker build -t servicedesk .
#   docker run --rm -p 8000:8000 -e DATABASE_URL=... -e REDIS_URL=... -e SECRET_KEY=... servicedesk

FROM python:3.12-slim-bookworm

# The uv that wrote uv.lock; bump both together.
ARG UV_VERSION=0.13.9

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_NO_CACHE=1 \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv \
    PATH="/app/.venv/bin:${PATH}" \
    DJANGO_SETTINGS_MODULE=servicedesk.settings \
    SERVICEDESK_VAR_DIR=/app/var \
    MEDIA_ROOT=/app/media

# uv from PyPI, and the unprivileged user the app runs as (its own home, for gunicorn's control socket).
RUN pip install "uv==${UV_VERSION}" \
 && groupadd --system --gid 1000 servicedesk \
 && useradd --system --uid 1000 --gid servicedesk --create-home --home-dir /home/servicedesk \
        --shell /usr/sbin/nologin servicedesk

WORKDIR /app

# Dependencies first, in their own layer: it is rebuilt only when pyproject.toml or uv.lock change. Neither the
# development tools nor the embedded PostgreSQL (the dependency group "embedded", for laptops and tests) are
# installed: the image always has a DATABASE_URL. python-ldap (django-auth-ldap's) has no wheel: it is compiled
# against the OpenLDAP and SASL headers, which leave the layer again with the compiler; the libraries it links
# to stay.
COPY pyproject.toml uv.lock ./
# Debian's versions are not pinned (DL3008): bookworm's security updates replace them, and a pin would break the build.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends libldap-2.5-0 libsasl2-2 \
 && apt-get install -y --no-install-recommends gcc libc6-dev libldap2-dev libsasl2-dev \
 && uv sync --frozen --no-dev --no-group embedded --no-install-project \
 && apt-get purge -y --auto-remove gcc libc6-dev libldap2-dev libsasl2-dev \
 && rm -rf /var/lib/apt/lists/*

COPY . .

# Static files into /app/var/static, served by WhiteNoise; the embedding model built from its packages' weights
# (decision 0061), so that no container builds it again. Settings need a DATABASE_URL (the image has no embedded
# PostgreSQL): a dummy one, as collectstatic never connects; both values live for this line only.
# The broker folders that settings create without REDIS_URL are not wanted in the image. /app/media is where
# docker-compose.yml mounts the attachments' volume: made here, owned by the app's user, so that a new named
# volume starts with that owner (Docker copies the mount point's owner and mode into an empty volume).
RUN DATABASE_URL=postgres://build@localhost/build SECRET_KEY=collectstatic-only-not-a-secret \
        python manage.py collectstatic --noinput \
 && DATABASE_URL=postgres://build@localhost/build SECRET_KEY=collectstatic-only-not-a-secret \
        python manage.py build_embedding_model \
 && rm -rf /app/var/broker /app/var/celery-results \
 && mkdir -p /app/var /app/media \
 && chown -R servicedesk:servicedesk /app/var /app/media \
 && chmod 0750 /app/media

# Numeric, so that runtimes checking runAsNonRoot (Kubernetes) can tell it is not root.
USER 1000:1000

EXPOSE 8000

# Workers: --workers N, or WEB_CONCURRENCY=N in the environment (docker-compose.yml passes --workers 3).
CMD ["gunicorn", "servicedesk.wsgi:application", "--bind", "0.0.0.0:8000", "--worker-tmp-dir", "/dev/shm", "--access-logfile", "-", "--logger-class", "servicedesk.gunicorn_logs.Logger", "--config", "python:servicedesk.gunicorn_config"]
