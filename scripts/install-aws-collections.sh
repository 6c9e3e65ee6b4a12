#!/usr/bin/env bash
# Install the amazon.aws and community.aws collections offline-ish: from the `ansible` PyPI
# distribution (which bundles them), because Ansible Galaxy is not reachable here but PyPI is.
#
# The whole `ansible` package is never installed into a venv (it would add ~100 collections to the
# collection path of every other test). Only the wheel is downloaded (pip download --no-deps) and
# only the two collections are extracted:
#   $CACHE/wheels/ansible-<ver>-py3-none-any.whl
#   $CACHE/collections/ansible_collections/{amazon/aws,community/aws}
# Point ANSIBLE_COLLECTIONS_PATH at $CACHE/collections (the script prints that path on stdout).
#
# Idempotent and fast on the second run: a stamp file records the extracted version, and nothing
# is downloaded or extracted when it matches.
#
# Usage:   scripts/install-aws-collections.sh            # prints the collections path
# Env:     B3OS_IAC_CACHE       cache root (default ~/.cache/b3os-iac)
#          ANSIBLE_PKG_VERSION  the `ansible` release to take the collections from (default below;
#                               14.x bundles amazon.aws 11.x / community.aws 11.x for ansible-core 2.21)
#          PYTHON               the Python whose pip downloads the wheel (default: the repo venv)
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
CACHE="${B3OS_IAC_CACHE:-$HOME/.cache/b3os-iac}"
VERSION="${ANSIBLE_PKG_VERSION:-14.5.0}"
PY="${PYTHON:-$ROOT/.venv/bin/python}"
[ -x "$PY" ] || PY="$(command -v python3)"

DEST="$CACHE/collections"
STAMP="$DEST/.from-ansible-$VERSION"
# amazon.aws is what the example asks for; community.aws holds sqs_queue and ssm_parameter and
# depends on amazon.aws (its MANIFEST.json says amazon.aws >= 11.0.0).
COLLECTIONS="amazon/aws community/aws"

if [ -f "$STAMP" ]; then
    echo "$DEST"
    exit 0
fi

# Parallel test workers may call this at the same time: one installs, the others wait.
mkdir -p "$CACHE"
if command -v flock >/dev/null; then
    exec 9>"$CACHE/.install-aws-collections.lock"
    flock 9
    if [ -f "$STAMP" ]; then
        echo "$DEST"
        exit 0
    fi
fi

WHEELS="$CACHE/wheels"
WHEEL="$WHEELS/ansible-$VERSION-py3-none-any.whl"
mkdir -p "$WHEELS" "$DEST"
if [ ! -f "$WHEEL" ]; then
    echo "downloading ansible==$VERSION (wheel only, ~50 MB) into $WHEELS" >&2
    "$PY" -m pip download --quiet --no-deps --only-binary=:all: "ansible==$VERSION" -d "$WHEELS" >&2
fi

# Extract into a scratch dir next to the destination, then swap each collection in: an interrupted
# run never leaves a half-extracted collection behind the stamp.
SCRATCH="$(mktemp -d "$CACHE/extract.XXXXXX")"
trap 'rm -rf "$SCRATCH"' EXIT
"$PY" - "$WHEEL" "$SCRATCH" $COLLECTIONS <<'PYEOF'
import sys
import zipfile

wheel, out, *collections = sys.argv[1:]
prefixes = tuple("ansible_collections/%s/" % c for c in collections)
with zipfile.ZipFile(wheel) as zf:
    members = [n for n in zf.namelist() if n.startswith(prefixes)]
    for prefix in prefixes:
        if not any(m.startswith(prefix) for m in members):
            sys.exit("%s holds no %s" % (wheel, prefix.rstrip("/")))
    zf.extractall(out, members)
PYEOF
for c in $COLLECTIONS; do
    rm -rf "$DEST/ansible_collections/$c"
    mkdir -p "$DEST/ansible_collections/$(dirname "$c")"
    mv "$SCRATCH/ansible_collections/$c" "$DEST/ansible_collections/$c"
done
rm -f "$DEST"/.from-ansible-*
touch "$STAMP"
echo "installed $(echo $COLLECTIONS | sed 's#/#.#g') from ansible==$VERSION into $DEST" >&2
echo "$DEST"
