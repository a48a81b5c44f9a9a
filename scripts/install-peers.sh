#!/usr/bin/env bash
# Installs the real peers the end-to-end tests run beside Watchpost when they
# are missing: servers from Debian's packages (needs root or sudo; the mail,
# database and syslog daemons tests/tests/daemons.rs runs from temporary
# configurations: Debian does not start them here) and the
# OpenTelemetry Python SDK, aiosmtpd (the email plugin's SMTP peer) and
# python-logging-loki (a real Loki push client) from PyPI.
set -euo pipefail
packages=(prometheus prometheus-alertmanager prometheus-node-exporter victoria-metrics
    postfix dovecot-imapd postgresql redis-server rsyslog)
need=()
for pkg in "${packages[@]}"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    # postfix asks for its mailer type on install: answer it beforehand.
    echo "postfix postfix/main_mailer_type select Local only" | $sudo debconf-set-selections
    # `env` after sudo: sudo drops the caller's environment.
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
python3 -c "import opentelemetry.sdk, opentelemetry.exporter.otlp.proto.http, aiosmtpd, logging_loki" 2>/dev/null \
    || python3 -m pip install -q opentelemetry-sdk opentelemetry-exporter-otlp-proto-http aiosmtpd python-logging-loki
