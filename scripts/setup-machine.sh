#!/usr/bin/env bash
# Makes a fresh machine of this kind ready for the tests and the demo: Debian's packages, a running
# Docker engine, and the test login user. Idempotent; needs root (as on these machines).
set -euo pipefail

PACKAGES=(openssh-server openssh-client docker.io docker-compose busybox-static postgresql python3-alembic
  python3-psycopg2 git curl iproute2 procps util-linux nginx redis-server openssl)
TEST_USER=ttdeploy

log() { printf 'setup-machine: %s\n' "$*" >&2; }

missing=()
for package in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # Packages only: no daemon is started by their install scripts (nginx would take port 80, redis 6379). The
  # fixture stack copies the nginx and redis binaries into images; the tests start sshd and PostgreSQL themselves.
  policy=/usr/sbin/policy-rc.d
  had_policy=$([ -e "$policy" ] && echo yes || echo no)
  [ "$had_policy" = yes ] || { printf '#!/bin/sh\nexit 101\n' >"$policy"; chmod +x "$policy"; }
  apt-get update -q >/dev/null
  apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
  [ "$had_policy" = yes ] || rm -f "$policy"
fi

# Debian's docker.io, started by hand: no systemd here, and no iptables rules in this sandbox.
if ! docker info >/dev/null 2>&1; then
  log "starting dockerd"
  mkdir -p /var/log
  nohup dockerd --iptables=false >/var/log/thinktank-dockerd.log 2>&1 &
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && break
    sleep 0.5
  done
  docker info >/dev/null 2>&1 || { log "dockerd did not start; see /var/log/thinktank-dockerd.log"; exit 1; }
fi

# The test servers log in this user: Debian's stock shell start-up (root's runs pyenv), and docker access.
if ! id "$TEST_USER" >/dev/null 2>&1; then
  log "creating user $TEST_USER"
  useradd --create-home --shell /bin/bash --groups docker "$TEST_USER"
fi
usermod -aG docker "$TEST_USER"
# '!' marks a locked account, which sshd refuses even for keys when PAM is off; '*' allows keys only.
usermod -p '*' "$TEST_USER"
mkdir -p /run/sshd
chmod 0755 /run/sshd
