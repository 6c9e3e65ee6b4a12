#!/usr/bin/env bash
# Creates .venv (Python 3.12 when available, since ansible-core >= 2.20 needs it; else 3.11) and
# installs the project with its dev extras. Re-runs are instant: the install is skipped while
# pyproject.toml is unchanged.
set -euo pipefail
cd "$(dirname "$0")/.."

pick_python() {
    for candidate in "${B3OS_PYTHON:-}" "$HOME/.pyenv/versions/3.12.1/bin/python3.12" \
                     "$(ls -d "$HOME"/.pyenv/versions/3.12.*/bin/python3.12 2>/dev/null | tail -n1)" \
                     python3.12 python3.13 python3.11 python3; do
        [ -n "$candidate" ] || continue
        if command -v "$candidate" >/dev/null 2>&1 \
           && "$candidate" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
            echo "$candidate"; return 0
        fi
    done
    echo "no Python >= 3.11 found" >&2; return 1
}

if [ ! -x .venv/bin/python ]; then
    py="$(pick_python)"
    echo "[bootstrap] creating .venv with $("$py" --version)" >&2
    "$py" -m venv .venv
fi

stamp=".venv/.b3os-installed"
want="$(cat pyproject.toml | sha256sum | cut -c1-16)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    echo "[bootstrap] installing b3os-iac[dev] into .venv" >&2
    .venv/bin/python -m pip install -q --upgrade pip
    .venv/bin/python -m pip install -q -e ".[dev]"
    echo "$want" > "$stamp"
fi
