#!/usr/bin/env bash
# Run ansible-test on the b3os.b3os collection offline.
#
# ansible-test wants its cwd to be .../ansible_collections/<ns>/<name>/ (a real directory, not a
# symlink), and bootstraps pip in its sanity venvs by downloading get-pip.py from a CI host that is
# unreachable here. So this script (1) writes a stand-in for that download into ansible-test's cache
# (ensurepip + pip install, with the machine's pip.conf), (2) copies the collection into a scratch
# ansible_collections/b3os/b3os tree, and (3) runs `ansible-test "$@" --local --python X.Y` there.
#
# Usage: scripts/ansible-test.sh sanity|units|integration [more ansible-test args]
# Env:   B3OS_ANSIBLE_CORE          an ansible-core release line (2.19, 2.20, ...) to test with instead
#                                   of the project venv's: a venv with only that ansible-core is built
#                                   once under ~/.cache/b3os-iac (enough for sanity, which needs no b3os)
#        B3OS_ANSIBLE_TEST_WORKDIR  scratch root (default: a fresh mktemp dir, removed on exit)
#        B3OS_COLLECTION_SRC        collection tree to test (default: ansible_collection/; the pytest
#                                   wrapper passes a copy installed by ansible-galaxy from the artifact)
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
VENV_BIN="${B3OS_VENV_BIN:-$ROOT/.venv/bin}"
if [ -n "${B3OS_ANSIBLE_CORE:-}" ]; then
    CORE_VENV="${B3OS_TOOLS_DIR:-$HOME/.cache/b3os-iac}/ansible-core-$B3OS_ANSIBLE_CORE"
    if [ ! -f "$CORE_VENV/.complete" ]; then
        rm -rf "$CORE_VENV"
        "$VENV_BIN/python" -m venv "$CORE_VENV"
        "$CORE_VENV/bin/python" -m pip install -q "ansible-core==$B3OS_ANSIBLE_CORE.*" >&2
        touch "$CORE_VENV/.complete"
    fi
    VENV_BIN="$CORE_VENV/bin"
fi
PY="$VENV_BIN/python"
PYVER="$("$PY" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"

# (1) the get-pip stand-in; its file name carries the pip version ansible-test pins.
PIP_VERSION="$("$PY" - <<'PYEOF'
import pathlib, re, ansible_test
src = pathlib.Path(ansible_test.__file__).parent / "_internal" / "python_requirements.py"
print(re.search(r"pip='([^']+)'", src.read_text()).group(1))
PYEOF
)"
CACHE="$HOME/.ansible/test/cache/get_pip_${PIP_VERSION//./_}.py"
if [ ! -f "$CACHE" ]; then
    mkdir -p "$(dirname "$CACHE")"
    cat > "$CACHE.$$.tmp" <<'PYEOF'
"""Offline stand-in for get-pip.py (written by b3os-iac scripts/ansible-test.sh).

ensurepip runs in a subprocess: in-process ensurepip blanks pip's config (PIP_CONFIG_FILE=/dev/null)
and would lose the machine's CA and index settings. Then the requested packages install from the
configured index; --no-setuptools/--no-wheel are get-pip-only flags.
"""
import subprocess
import sys

subprocess.check_call([sys.executable, "-m", "ensurepip", "--upgrade"])
args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
if any(not a.startswith("-") for a in args):
    subprocess.check_call([sys.executable, "-m", "pip", "install"] + args)
PYEOF
    mv "$CACHE.$$.tmp" "$CACHE"  # per-process name: runs in parallel may write it at once
fi

# ansible-test makes its per-user SSH key pair on first use, with no lock: two runs at once (the test
# suite runs on several pytest-xdist workers) would both call ssh-keygen on the same file. Make it
# here first, under a lock, exactly as ansible-test does (core_ci.SshKey.generate_key_pair).
KEY="$HOME/.ansible/test/id_rsa"
if command -v ssh-keygen >/dev/null && { [ ! -f "$KEY" ] || [ ! -f "$KEY.pub" ]; }; then
    mkdir -p "$(dirname "$KEY")"
    (
        flock 9
        if [ ! -f "$KEY" ] || [ ! -f "$KEY.pub" ]; then
            rm -f "$KEY" "$KEY.pub"
            ssh-keygen -m PEM -q -t rsa -N '' -f "$KEY"
            sed -i -E 's/(BEGIN|END) PRIVATE KEY/\1 RSA PRIVATE KEY/' "$KEY"
        fi
    ) 9>"$HOME/.ansible/test/.b3os-ssh-key.lock"
fi

# (2) a scratch ansible_collections tree holding a copy of the collection.
if [ -n "${B3OS_ANSIBLE_TEST_WORKDIR:-}" ]; then
    WORK="$B3OS_ANSIBLE_TEST_WORKDIR"
    mkdir -p "$WORK"
else
    WORK="$(mktemp -d)"
    trap 'rm -rf "$WORK"' EXIT
fi
DEST="$WORK/ansible_collections/b3os/b3os"
rm -rf "$DEST"
mkdir -p "$DEST"
SRC="${B3OS_COLLECTION_SRC:-$ROOT/ansible_collection}"
(cd "$SRC" && tar --exclude='tests/output' --exclude='__pycache__' \
    --exclude='tests/integration/inventory' -cf - .) | (cd "$DEST" && tar -xf -)
# ansible-test sanity only looks at files git knows about when it finds a repo; a fresh repo keeps
# the copy self-contained (the outer repo's ignores and untracked files do not leak in).
if [ "${1:-}" = "sanity" ]; then
    (cd "$DEST" && git init -q && git add -A && git -c user.name=t -c user.email=t@t commit -qm snapshot)
fi

# (3) run it.
echo "scripts/ansible-test.sh: ansible-core $("$PY" -c 'import ansible.release; print(ansible.release.__version__)')"
cd "$DEST"
PATH="$VENV_BIN:$PATH" "$VENV_BIN/ansible-test" "$@" --local --python "$PYVER"
