#!/usr/bin/env bash
# Superset of the Sozialraum-Monitor: one entry point.
#
#   bash superset/manage.sh setup       venv .venv-superset from superset/requirements.lock (fast when done)
#   bash superset/manage.sh up          start on 127.0.0.1:${SUPERSET_PORT:-8088} in the background,
#                                       db upgrade/init only when due, provision (admin, bundle import
#                                       with overwrite, roles, RLS, demo users); returns when healthy
#   bash superset/manage.sh up --foreground   the same, server in the foreground (Strg+C stops)
#   bash superset/manage.sh provision   provision the running/stopped instance again
#   bash superset/manage.sh down        stop the server started by `up`
#   bash superset/manage.sh status      is it running?
#   bash superset/manage.sh lock        regenerate requirements.lock from requirements.txt
#
# Environment: SOZIALMONITOR_OUT (Superset serves OUT/serving/sozialmonitor.duckdb, default var/out),
# SOZIALMONITOR_SUPERSET_HOME (metadata, logs, pid; default var/superset), SOZIALMONITOR_SECRETS
# (default var/secrets), SUPERSET_PORT (8088), SUPERSET_ADMIN_PASSWORD, SOZIALMONITOR_DEMO_PASSWORD,
# SOZIALMONITOR_LOGIN_RATE_LIMIT, SOZIALMONITOR_SESSION_COOKIE_SECURE, SOZIALMONITOR_PROXY_FIX
# (see superset_config.py).
#
# Write protection of OUT: as root (where file modes do not bind) with `unshare`, gunicorn runs in
# its own mount namespace in which OUT is bind-mounted read-only (files the publisher swaps in stay
# visible: the bind mount is the same directory); otherwise the modes 0444/0555 of the serving copy
# protect it, and `up` warns when neither holds. The mode is written to SUPERSET_HOME/serving-protection.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(dirname "$HERE")"
VENV="${SOZIALMONITOR_SUPERSET_VENV:-$REPO/.venv-superset}"
PY="$VENV/bin/python"
export SOZIALMONITOR_SUPERSET_HOME="${SOZIALMONITOR_SUPERSET_HOME:-$REPO/var/superset}"
export SOZIALMONITOR_SECRETS="${SOZIALMONITOR_SECRETS:-$REPO/var/secrets}"
export SUPERSET_CONFIG_PATH="$HERE/superset_config.py"
export FLASK_APP="superset.app:create_app()"
export SUPERSET_PORT="${SUPERSET_PORT:-8088}"
export PYTHONWARNINGS="${PYTHONWARNINGS:-ignore}"
HOME_DIR="$SOZIALMONITOR_SUPERSET_HOME"
PIDFILE="$HOME_DIR/gunicorn.pid"
LOG="$HOME_DIR/logs"
MARKER="$HOME_DIR/.metadata-version"
OUT_DIR="$(realpath -m "${SOZIALMONITOR_OUT:-$REPO/var/out}")"
export SOZIALMONITOR_OUT="$OUT_DIR"
SERVING="$OUT_DIR/serving/sozialmonitor.duckdb"
PROTECTION_FILE="$HOME_DIR/serving-protection"

find_uv() {
  for c in "${UV:-}" "$REPO/var/bootstrap/bin/uv" /tmp/uvboot/bin/uv "$(command -v uv || true)"; do
    [ -n "$c" ] && [ -x "$c" ] && { echo "$c"; return; }
  done
  echo ""
}

cmd_setup() {
  local stamp="$VENV/.lock-sha256" want
  # the lock's checksum and how it was installed (an environment from before byte-compiling is set up again)
  want="$(sha256sum "$HERE/requirements.lock" | cut -d' ' -f1) bytecode"
  if [ -x "$PY" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
    return 0
  fi
  local uv; uv="$(find_uv)"
  local pybin="${PYTHON:-python3}"
  if [ -n "$uv" ]; then
    [ -x "$PY" ] || "$uv" venv -q --python "$pybin" "$VENV"
    # byte-compiled at install, as pip does by default (see the Makefile's setup); --reinstall: uv compiles only
    # what it installs, and an environment set up before byte-compiling has everything installed already
    "$uv" pip install -q --reinstall --compile-bytecode --python "$PY" --require-hashes -r "$HERE/requirements.lock"
  else
    [ -x "$PY" ] || "$pybin" -m venv "$VENV"
    "$PY" -m pip install -q --require-hashes -r "$HERE/requirements.lock"
  fi
  "$PY" -c 'import superset, duckdb, duckdb_engine' >/dev/null
  echo "$want" > "$stamp"
  echo "Superset-Umgebung bereit: $VENV"
}

cmd_lock() {
  local uv; uv="$(find_uv)"
  [ -n "$uv" ] || { echo "uv not found" >&2; exit 1; }
  "$uv" pip compile "$HERE/requirements.txt" --python-version 3.11 --generate-hashes \
    -o "$HERE/requirements.lock"
}

running() {
  [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null
}

metadata() {
  # db upgrade + init only when the metadata DB is new or Superset's version changed
  local want
  want="$("$PY" -c 'import importlib.metadata as m; print(m.version("apache-superset"))')"
  if [ -f "$HOME_DIR/superset.db" ] && [ "$(cat "$MARKER" 2>/dev/null)" = "$want" ]; then
    return 0
  fi
  echo "Superset-Metadaten: db upgrade + init ($HOME_DIR/superset.db)"
  "$VENV/bin/superset" db upgrade >"$LOG/db-upgrade.log" 2>&1 || { tail -30 "$LOG/db-upgrade.log"; exit 1; }
  "$VENV/bin/superset" init >"$LOG/init.log" 2>&1 || { tail -30 "$LOG/init.log"; exit 1; }
  echo "$want" > "$MARKER"
}

cmd_provision() {
  mkdir -p "$HOME_DIR" "$LOG"
  metadata
  "$PY" "$HERE/provision.py" 2>"$LOG/provision.log" || { tail -40 "$LOG/provision.log"; exit 1; }
}

wait_healthy() {
  local i
  for i in $(seq 1 240); do
    if "$PY" - "$SUPERSET_PORT" <<'PYEOF' 2>/dev/null; then
import sys, urllib.request
with urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/health", timeout=2) as r:
    sys.exit(0 if r.status == 200 else 1)
PYEOF
      return 0
    fi
    running || { echo "Superset ist beim Start beendet worden:"; tail -40 "$LOG/gunicorn.log"; exit 1; }
    sleep 0.5
  done
  echo "Superset antwortet nicht (siehe $LOG/gunicorn.log)"; exit 1
}

# readonly-mount | permissions | none: how the gunicorn started by `up` is kept from writing OUT
protection_mode() {
  if [ "$(id -u)" = 0 ]; then
    if command -v unshare >/dev/null && command -v mount >/dev/null \
       && unshare --mount --propagation private -- bash -c \
            'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" "$1"' probe "$OUT_DIR" 2>/dev/null; then
      echo readonly-mount
    else
      echo none
    fi
  elif [ -e "$SERVING" ] && [ ! -w "$SERVING" ] && [ ! -w "$(dirname "$SERVING")" ]; then
    echo permissions
  else
    echo none
  fi
}

# run "$@" (gunicorn) with OUT read-only for it where possible; sets LAUNCH (the command prefix)
prepare_launch() {
  case "$(realpath -m "$HOME_DIR")/" in
    "$OUT_DIR"/*) echo "SOZIALMONITOR_SUPERSET_HOME ($HOME_DIR) liegt in OUT ($OUT_DIR); Superset darf dort nichts schreiben" >&2
                  exit 1 ;;
  esac
  mkdir -p "$OUT_DIR"
  [ -e "$SERVING" ] || echo "WARNUNG: Serving-Kopie $SERVING fehlt noch (schreibt der Publisher: sozialmonitor build)" >&2
  local mode; mode="$(protection_mode)"
  echo "$mode" > "$PROTECTION_FILE"
  LAUNCH=()
  case "$mode" in
    readonly-mount)
      LAUNCH=(unshare --mount --propagation private -- bash -c
              'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" "$1" && shift && exec "$@"' ro-out "$OUT_DIR")
      echo "Schreibschutz: $OUT_DIR ist für Superset schreibgeschützt eingehängt (eigener Mount-Namespace)" ;;
    permissions)
      echo "Schreibschutz: Superset läuft als $(id -un); die Serving-Kopie (0444, Ordner 0555) ist für diesen Benutzer nicht schreibbar" ;;
    *)
      echo "WARNUNG: kein Schreibschutz für $OUT_DIR: Superset läuft als root ohne nutzbares unshare/mount oder die Serving-Kopie ist schreibbar; nur die SQL-Freigabeliste schützt die Dateien (siehe superset/README.md)" >&2 ;;
  esac
}

cmd_up() {
  cmd_setup
  if running; then
    echo "Superset läuft bereits (pid $(cat "$PIDFILE")); provisioniere neu"
    cmd_provision
    return 0
  fi
  cmd_provision
  local args=(-w "${SUPERSET_WORKERS:-2}" -k gthread --threads "${SUPERSET_THREADS:-4}" --timeout 120
              -b "127.0.0.1:$SUPERSET_PORT" --limit-request-line 0 --limit-request-field_size 0
              --pid "$PIDFILE" --access-logfile "$LOG/access.log" --error-logfile "$LOG/gunicorn.log"
              --capture-output
              "superset.app:create_app()")
  prepare_launch
  if [ "${1:-}" = "--foreground" ]; then
    echo "Superset: http://localhost:$SUPERSET_PORT"
    exec ${LAUNCH[@]+"${LAUNCH[@]}"} "$VENV/bin/gunicorn" "${args[@]}" --error-logfile -
  fi
  nohup ${LAUNCH[@]+"${LAUNCH[@]}"} "$VENV/bin/gunicorn" "${args[@]}" --daemon >/dev/null 2>&1
  for _ in $(seq 1 40); do [ -f "$PIDFILE" ] && break; sleep 0.25; done
  wait_healthy
  echo "Superset: http://localhost:$SUPERSET_PORT (pid $(cat "$PIDFILE"), Logs $LOG)"
}

cmd_down() {
  if running; then
    local pid; pid="$(cat "$PIDFILE")"
    kill -TERM "$pid"
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" || true
    echo "Superset gestoppt"
  fi
  rm -f "$PIDFILE"
}

cmd_status() {
  if running; then
    echo "läuft (pid $(cat "$PIDFILE"), Port $SUPERSET_PORT, Schreibschutz: $(cat "$PROTECTION_FILE" 2>/dev/null || echo ?))"
  else echo "gestoppt"; return 3; fi
}

case "${1:-}" in
  setup) cmd_setup ;;
  up) shift; cmd_up "$@" ;;
  down) cmd_down ;;
  provision) cmd_setup; cmd_provision ;;
  status) cmd_status ;;
  lock) cmd_lock ;;
  *) sed -n '2,24p' "$0"; exit 2 ;;
esac
