#!/usr/bin/env bash
# Start b3os-local on a free loopback port, hand its URL and a fresh API key to the playbook
# through B3OS_API_URL / B3OS_API_KEY (the modules' env fallbacks), run the scenarios, stop it.
# No `set -x`: it would print the key.
set -eu

PY="${ANSIBLE_TEST_PYTHON_INTERPRETER:-${B3OS_TEST_PYTHON:-python3}}"
WORK="$(mktemp -d)"
B3OS_LOCAL_API_KEYS="${B3OS_IT_API_KEY:-b3os_it_$("$PY" -c 'import secrets; print(secrets.token_hex(16))')}"
export B3OS_LOCAL_API_KEYS

: >"$WORK/server.log"
"$PY" -m b3os.local --port 0 --db :memory: >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
trap 'kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; rm -rf "$WORK"' EXIT

for _ in $(seq 1 200); do
    grep -q '^export B3OS_API_URL=' "$WORK/server.log" && break
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.log" >&2; exit 1; }
    sleep 0.1
done
B3OS_API_URL="$(sed -n 's/^export B3OS_API_URL=//p' "$WORK/server.log")"
[ -n "$B3OS_API_URL" ] || { echo "b3os-local did not start" >&2; cat "$WORK/server.log" >&2; exit 1; }
export B3OS_API_URL
export B3OS_API_KEY="$B3OS_LOCAL_API_KEYS"
unset B3OS_LOCAL_API_KEYS

# --diff always, and whatever verbosity ansible-test passes (-vvvv in the pytest wrapper): the
# output is kept and scanned for the API key and every trigger secret afterwards.
set +e
ansible-playbook "${PLAYBOOK:-playbook.yml}" --diff "$@" 2>&1 | tee "$WORK/playbook.log"
rc=${PIPESTATUS[0]}
set -e
[ "$rc" -eq 0 ] || exit "$rc"
"$PY" scan_secrets.py "$WORK/playbook.log"
