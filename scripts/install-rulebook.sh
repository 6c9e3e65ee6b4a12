#!/usr/bin/env bash
# Installs ansible-rulebook (Event-Driven Ansible) into its own cached venv.
#
# ansible-rulebook brings heavy dependencies (drools_jpy, a JVM bridge, and pinned libraries) that
# do not belong in the project's .venv, so it lives in a venv under ~/.cache/b3os-iac, built once
# per version with Python 3.12 (like scripts/install-pulumi.sh builds the Pulumi CLI). The venv also
# gets ansible-core (ansible-rulebook calls ansible-galaxy and ansible-playbook) and b3os-iac's
# runtime dependencies; b3os itself is found through PYTHONPATH (the checkout), so one venv serves
# every checkout. It needs Java 17 on the machine (drools_jpy finds it by itself).
#
# Output: progress on stderr; the venv's bin directory as the last line of stdout. A finished
# install is detected without running pip, so a second run takes well under a second.
set -euo pipefail

RULEBOOK_VERSION="${RULEBOOK_VERSION:-1.3.2}"
CACHE_ROOT="${B3OS_TOOLS_DIR:-$HOME/.cache/b3os-iac}"
PREFIX="$CACHE_ROOT/ansible-rulebook-$RULEBOOK_VERSION"
STAMP="$PREFIX/.complete"
log() { printf '[install-rulebook] %s\n' "$*" >&2; }

if [ -f "$STAMP" ] && [ -x "$PREFIX/bin/ansible-rulebook" ]; then
    echo "$PREFIX/bin"
    exit 0
fi

pick_python() {
    for candidate in "${B3OS_RULEBOOK_PYTHON:-}" "$HOME/.pyenv/versions/3.12.1/bin/python3.12" \
                     "$(ls -d "$HOME"/.pyenv/versions/3.12.*/bin/python3.12 2>/dev/null | tail -n1)" \
                     python3.12 python3.13; do
        [ -n "$candidate" ] || continue
        if command -v "$candidate" >/dev/null 2>&1 \
           && "$candidate" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; then
            echo "$candidate"; return 0
        fi
    done
    echo "no Python >= 3.12 found for ansible-rulebook" >&2; return 1
}

mkdir -p "$CACHE_ROOT"
# One installer at a time (the test suite runs on several pytest-xdist workers): a second one waits,
# then finds the first one's stamp.
exec 9>"$CACHE_ROOT/.install-rulebook.lock"
flock 9
if [ -f "$STAMP" ] && [ -x "$PREFIX/bin/ansible-rulebook" ]; then
    echo "$PREFIX/bin"
    exit 0
fi
rm -rf "$PREFIX"  # an unfinished install (no stamp) starts over
py="$(pick_python)"
log "creating $PREFIX with $("$py" --version)"
"$py" -m venv "$PREFIX"
"$PREFIX/bin/python" -m pip install -q --upgrade pip >&2
log "installing ansible-rulebook==$RULEBOOK_VERSION (a minute or two the first time)"
"$PREFIX/bin/python" -m pip install -q "ansible-rulebook==$RULEBOOK_VERSION" "ansible-core>=2.19,<2.22" \
    "httpx>=0.27" "pydantic>=2.7" "PyYAML>=6.0" "rich>=13.7" >&2
touch "$STAMP"  # written last: its presence means the venv is complete
echo "$PREFIX/bin"
