# Kring server image: the same `kring serve` that `make run` starts (an editable install of the
# runtime dependencies, as the Makefile does), without the demo meeting; data under /data.
#
#   docker build -t kring .
#   docker run -p 8000:8000 -v kring-data:/data -e KRING_PUBLIC_URL=http://<lan-ip>:8000 kring
#
# Set KRING_PUBLIC_URL to the address phones use to reach this host: inside a container
# the detected address is the container's own, not the host's.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Chromium prints the PDF report (GET …/report.pdf), as on a machine that ran `make run`; the
# fonts are the ones the tests render with (scripts/ensure-system-deps.sh): DejaVu for text, Noto
# Color Emoji so emoji in the report's cloud and PDF are drawn, not empty boxes.
RUN apt-get update \
    && apt-get install -y --no-install-recommends chromium fonts-dejavu-core fonts-noto-color-emoji \
    && rm -rf /var/lib/apt/lists/*

RUN useradd --system --create-home --home-dir /home/kring --shell /usr/sbin/nologin kring \
    && mkdir -p /data \
    && chown kring:kring /data

WORKDIR /app
COPY . /app
# Editable, like `make run`: the server finds web/ and migrations/ beside its package in /app.
RUN pip install -e . && chown -R kring:kring /app

ENV KRING_DATABASE_URL=sqlite:////data/kring.db

VOLUME /data
USER kring
EXPOSE 8000
CMD ["kring", "serve", "--host", "0.0.0.0", "--port", "8000"]
