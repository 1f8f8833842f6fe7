#!/usr/bin/env bash
# Start / stop a local, offline Label Studio 1.23.2 server bound to 127.0.0.1.
#
#   labelstudio-server.sh start DATA_DIR PORT   # background start, waits until /health answers
#   labelstudio-server.sh stop  DATA_DIR        # kill the pid recorded at start
#   labelstudio-server.sh init  DATA_DIR        # build a migrated "template" data dir (no server)
#
# Environment (all optional):
#   LS_VENV            virtualenv holding label-studio   (default .venv-labelstudio of this repository)
#   LS_TEMPLATE        migrated data dir to copy into DATA_DIR when DATA_DIR has no database yet
#   LS_ADMIN_EMAIL     admin user created when it does not exist yet (default admin@example.com)
#   LS_ADMIN_PASSWORD  (default adminpass123)
#   LS_ADMIN_TOKEN     fixed legacy API token of that admin (default: the test token of ADMIN_TOKEN below, > 5 chars)
#   LS_ANNOTATOR_EMAIL / LS_ANNOTATOR_PASSWORD / LS_ANNOTATOR_TOKEN   "init" also creates this 2nd user
#   LS_READY_TIMEOUT   seconds to wait for readiness (default 180; a fresh DB needs ~20 s of migrations)
#   LS_PID_FILE / LS_LOG_FILE   default DATA_DIR/labelstudio.pid, DATA_DIR/labelstudio.log
#   LS_TOKEN_FILE      where "start" writes the admin's API token, mode 600 (default DATA_DIR/api-token)
#
# No token is ever printed: use it with  export LABEL_STUDIO_API_KEY="$(cat DATA_DIR/api-token)"
set -euo pipefail

LS_VENV=${LS_VENV:-$(cd "$(dirname "$0")/.." && pwd)/.venv-labelstudio}
LS_BIN="$LS_VENV/bin/label-studio"
PY="$LS_VENV/bin/python"
ADMIN_EMAIL=${LS_ADMIN_EMAIL:-admin@example.com}
ADMIN_PASSWORD=${LS_ADMIN_PASSWORD:-adminpass123}
ADMIN_TOKEN=${LS_ADMIN_TOKEN:-test-admin-token-0123456789}
ANN_EMAIL=${LS_ANNOTATOR_EMAIL:-annotator@example.com}
ANN_PASSWORD=${LS_ANNOTATOR_PASSWORD:-annpass12345}
ANN_TOKEN=${LS_ANNOTATOR_TOKEN:-test-annotator-token-0123456789}
READY_TIMEOUT=${LS_READY_TIMEOUT:-180}

usage() { sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }

# write_secret FILE VALUE: VALUE into FILE, readable by its owner only (mode 600), never echoed
write_secret() {
  local file=$1 value=$2
  mkdir -p "$(dirname "$file")"
  ( umask 077; rm -f "$file"; printf '%s\n' "$value" >"$file" )
  chmod 600 "$file"
}

offline_env() {
  local data_dir=$1
  export LABEL_STUDIO_BASE_DATA_DIR="$data_dir"   # sqlite db, media, export, .env (SECRET_KEY)
  export DJANGO_DB=sqlite
  export LABEL_STUDIO_LATEST_VERSION_CHECK=false  # else GET https://pypi.org/pypi/label-studio/json at import
  export LABEL_STUDIO_COLLECT_ANALYTICS=false     # no usage telemetry
  export LABEL_STUDIO_SENTRY_DSN=                 # empty => sentry_sdk.init() is skipped (default DSN is sentry.io)
  export LABEL_STUDIO_FRONTEND_SENTRY_DSN=
  export LABEL_STUDIO_FEATURE_FLAGS_OFFLINE=true  # default already; no LaunchDarkly
  export LABEL_STUDIO_CONVERTER_DOWNLOAD_RESOURCES=false
  export LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN=true   # org created at first start accepts "Token <key>"
  export LABEL_STUDIO_DISABLE_SIGNUP_WITHOUT_LINK=true
  export LABEL_STUDIO_LOG_LEVEL=${LABEL_STUDIO_LOG_LEVEL:-WARNING}
  # these generic names are also read by label-studio (get_env tries LABEL_STUDIO_X, HEARTEX_X, X):
  # a stray USERNAME+PASSWORD in the environment would create a user at every start
  unset USERNAME PASSWORD USER_TOKEN HOST PORT 2>/dev/null || true
}

port_in_use() {
  "$PY" - "$1" <<'EOF'
import socket, sys
s = socket.socket(); s.settimeout(0.5)
sys.exit(0 if s.connect_ex(("127.0.0.1", int(sys.argv[1]))) == 0 else 1)
EOF
}

cmd_init() {
  local data_dir
  data_dir=$(realpath -m "$1")
  [[ -e "$data_dir/label_studio.sqlite3" ]] && { echo "already initialised: $data_dir" >&2; exit 1; }
  mkdir -p "$data_dir"
  offline_env "$data_dir"
  local t0=$SECONDS
  # user, password and token go through the environment (get_env reads LABEL_STUDIO_X), not the
  # command line, which every user of the machine can read in `ps`
  LABEL_STUDIO_USERNAME="$ADMIN_EMAIL" LABEL_STUDIO_PASSWORD="$ADMIN_PASSWORD" LABEL_STUDIO_USER_TOKEN="$ADMIN_TOKEN" \
      "$LS_BIN" init --data-dir "$data_dir" --enable-legacy-api-token >"$data_dir/init.log" 2>&1
  LABEL_STUDIO_USERNAME="$ANN_EMAIL" LABEL_STUDIO_PASSWORD="$ANN_PASSWORD" LABEL_STUDIO_USER_TOKEN="$ANN_TOKEN" \
      "$LS_BIN" init --data-dir "$data_dir" >>"$data_dir/init.log" 2>&1
  echo "template ready in $((SECONDS - t0)) s: $data_dir (users $ADMIN_EMAIL and $ANN_EMAIL)"
}

cmd_start() {
  local data_dir port
  data_dir=$(realpath -m "$1"); port=$2
  local pid_file=${LS_PID_FILE:-$data_dir/labelstudio.pid}
  local log_file=${LS_LOG_FILE:-$data_dir/labelstudio.log}
  local token_file=${LS_TOKEN_FILE:-$data_dir/api-token}
  [[ -x "$LS_BIN" ]] || { echo "label-studio not found in $LS_VENV" >&2; exit 1; }
  if [[ -f "$pid_file" ]] && kill -0 "$(cat "$pid_file")" 2>/dev/null; then
    echo "already running (pid $(cat "$pid_file"))" >&2; exit 1
  fi
  # label-studio silently moves to port+1 when the port is busy: refuse instead
  if port_in_use "$port"; then echo "port $port on 127.0.0.1 is in use" >&2; exit 1; fi

  mkdir -p "$data_dir"
  if [[ -n "${LS_TEMPLATE:-}" && ! -e "$data_dir/label_studio.sqlite3" ]]; then
    cp -a "$LS_TEMPLATE/." "$data_dir/"      # includes .env (SECRET_KEY: keeps JWT tokens valid)
    rm -f "$data_dir/labelstudio.pid" "$data_dir/labelstudio.log" "$data_dir/api-token"
  fi
  offline_env "$data_dir"

  local t0=$SECONDS
  # the admin's user, password and token (through the environment, not the command line) only
  # create the user if it does not exist yet (first start)
  LABEL_STUDIO_USERNAME="$ADMIN_EMAIL" LABEL_STUDIO_PASSWORD="$ADMIN_PASSWORD" LABEL_STUDIO_USER_TOKEN="$ADMIN_TOKEN" \
      nohup "$LS_BIN" start --no-browser --internal-host 127.0.0.1 --port "$port" --data-dir "$data_dir" \
      --enable-legacy-api-token </dev/null >"$log_file" 2>&1 &
  local pid=$!
  echo "$pid" >"$pid_file"

  local url="http://127.0.0.1:$port"
  until "$PY" - "$url" <<'EOF'
import sys, urllib.request
try:
    with urllib.request.urlopen(sys.argv[1] + "/health", timeout=2) as r:
        sys.exit(0 if r.status == 200 else 1)
except Exception:
    sys.exit(1)
EOF
  do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "label-studio exited during start-up; last log lines:" >&2; tail -n 30 "$log_file" >&2
      rm -f "$pid_file"; exit 1
    fi
    if (( SECONDS - t0 > READY_TIMEOUT )); then
      echo "not ready after ${READY_TIMEOUT}s; stopping pid $pid" >&2; kill "$pid" || true
      rm -f "$pid_file"; exit 1
    fi
    sleep 0.2
  done
  if ! grep -q "Starting development server at $url/" "$log_file"; then
    echo "warning: server did not report $url in $log_file" >&2
  fi
  # --user-token only sets the token when the admin is created: on a reused DATA_DIR (or a
  # template made with other settings) the file holds LS_ADMIN_TOKEN, which may not be the admin's.
  write_secret "$token_file" "$ADMIN_TOKEN"
  echo "Label Studio ready at $url after $((SECONDS - t0)) s (pid $pid, log $log_file)"
  echo "  API token of $ADMIN_EMAIL in $token_file (mode 600):"
  echo "    export LABEL_STUDIO_URL=$url LABEL_STUDIO_API_KEY=\"\$(cat $token_file)\""
  echo "  stop with: $0 stop $data_dir    (or: kill $pid)"
}

cmd_stop() {
  local data_dir pid
  data_dir=$(realpath -m "$1")
  local pid_file=${LS_PID_FILE:-$data_dir/labelstudio.pid}
  [[ -f "$pid_file" ]] || { echo "no pid file $pid_file" >&2; exit 1; }
  pid=$(cat "$pid_file")
  if kill "$pid" 2>/dev/null; then
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then kill -9 "$pid"; fi
    echo "stopped pid $pid"
  else
    echo "pid $pid was not running"
  fi
  rm -f "$pid_file"
}

case "${1:-}" in
  start) [[ $# -eq 3 ]] || usage; cmd_start "$2" "$3" ;;
  stop)  [[ $# -eq 2 ]] || usage; cmd_stop "$2" ;;
  init)  [[ $# -eq 2 ]] || usage; cmd_init "$2" ;;
  *) usage ;;
esac
