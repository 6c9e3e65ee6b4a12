#!/usr/bin/env bash
# Installs the real Pulumi CLI, a Python language host, the dynamic-provider shim and Pulumi's
# YAML language host (pulumi-language-yaml, for `runtime: yaml` programs on the native provider).
#
# There is no registry package that ships the CLI, so we compile the pinned release from the Go
# module proxy into a cache under the home directory (never into the repo). A `pulumi` already
# on PATH that is recent enough (with its Python helpers beside it) is used as it is. Go's module
# and build caches make a rebuild fast, and a finished install is detected without running Go at
# all, so a second run takes well under a second.
#
# The Go language host (module .../sdk/python/cmd/pulumi-language-python/v3) has no version tags
# and the module proxy we can reach does not serve it (403 "not available"). We try it once per
# release; when it is unavailable we install a stand-in `pulumi-language-python` that runs the
# b3os-iac implementation (scripts/pulumi_langhost.py) with the Python found on PATH (or
# PULUMI_PYTHON_CMD): put the project's .venv/bin on PATH after the printed directory.
#
# The YAML language host is Pulumi's own (github.com/pulumi/pulumi-yaml, pinned below), built with
# `go install` into the same bin directory and cached like the CLI (a stamp file records its
# version). If it cannot be built, the rest still installs and the YAML tests skip with a reason.
#
# Output: progress on stderr; the bin directory (pulumi, pulumi-language-python,
# pulumi-language-python-exec, pulumi-resource-pulumi-python, pulumi-language-yaml) as the last
# line of stdout.
set -euo pipefail
# Resolved before any `cd` (the build runs in the cache): $0 may be a relative path.
SCRIPTS_DIR="$(cd "$(dirname "$0")" && pwd)"

PULUMI_VERSION="${PULUMI_VERSION:-v3.274.1}"
MIN_VERSION="3.200.0"
PULUMI_YAML_VERSION="${PULUMI_YAML_VERSION:-v1.25.0}"
CACHE_ROOT="${B3OS_TOOLS_DIR:-$HOME/.cache/b3os-iac}"
PREFIX="$CACHE_ROOT/pulumi-$PULUMI_VERSION"
BIN="$PREFIX/bin"
WORK="$PREFIX/build"
LH_UNAVAILABLE="$PREFIX/.language-host-unavailable"
YAML_STAMP="$BIN/.pulumi-language-yaml.version"
YAML_UNAVAILABLE="$PREFIX/.yaml-host-unavailable-$PULUMI_YAML_VERSION"
STANDIN_MARK="b3os-iac stand-in language host"

log() { printf '[install-pulumi] %s\n' "$*" >&2; }

# `--print-bin`: the directory the install puts (or an ambient pulumi has) the CLI in, without
# building: `make test` puts it on PATH while the build runs in the background.
PRINT_BIN_ONLY=""
[ "${1:-}" = "--print-bin" ] && PRINT_BIN_ONLY=1

version_ok() {  # $1 = "vX.Y.Z" or "X.Y.Z"
    local v="${1#v}"
    [ -n "$v" ] && [ "$(printf '%s\n%s\n' "$MIN_VERSION" "$v" | sort -V | head -n1)" = "$MIN_VERSION" ]
}

complete() {  # $1 = bin dir
    [ -x "$1/pulumi" ] && [ -x "$1/pulumi-language-python" ] \
        && [ -x "$1/pulumi-resource-pulumi-python" ] && [ -f "$1/pulumi-language-python-exec" ]
}

yaml_done() {  # the pinned YAML host is installed, or known to be unavailable for this version
    { [ -x "$BIN/pulumi-language-yaml" ] && [ "$(cat "$YAML_STAMP" 2>/dev/null)" = "$PULUMI_YAML_VERSION" ]; } \
        || [ -f "$YAML_UNAVAILABLE" ]
}

# 1. An ambient pulumi that is recent enough and has its Python helpers beside it.
if [ -z "${B3OS_FORCE_PULUMI_BUILD:-}" ] && command -v pulumi >/dev/null 2>&1; then
    ambient="$(dirname "$(command -v pulumi)")"
    if [ "$ambient" != "$BIN" ] && complete "$ambient" \
        && version_ok "$(PULUMI_SKIP_UPDATE_CHECK=1 pulumi version 2>/dev/null || true)"; then
        log "using pulumi on PATH ($ambient)"
        echo "$ambient"
        exit 0
    fi
fi
[ -n "$PRINT_BIN_ONLY" ] && { echo "$BIN"; exit 0; }

# One install at a time (`make test` builds in the background while the tests that need the CLI
# run this script too): a second run waits here, then takes the already-installed path below.
mkdir -p "$CACHE_ROOT"
exec 9>"$CACHE_ROOT/.install-pulumi.lock"
flock 9

write_standin_language_host() {
    # Rewritten on every run (cheap) so a changed script updates existing installs. The host is
    # repository tooling (scripts/pulumi_langhost.py), copied beside the CLI: not in the package.
    local src
    src="$SCRIPTS_DIR/pulumi_langhost.py"
    if ! cmp -s "$src" "$BIN/b3os_langhost.py" 2>/dev/null; then
        install -m 0644 "$src" "$BIN/b3os_langhost.py.tmp" && mv -f "$BIN/b3os_langhost.py.tmp" "$BIN/b3os_langhost.py"
    fi
    local tmp="$BIN/.pulumi-language-python.tmp"
    cat >"$tmp" <<'EOF'
#!/bin/sh
# b3os-iac stand-in language host: the Go pulumi-language-python module is not served by the
# module proxy, so this runs b3os_langhost.py (scripts/pulumi_langhost.py in the b3os-iac
# repository) with the first Python that has the pulumi SDK: PULUMI_PYTHON_CMD, the active
# virtualenv, python3 on PATH.
here=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)
for py in "${PULUMI_PYTHON_CMD:-}" "${VIRTUAL_ENV:+$VIRTUAL_ENV/bin/python}" python3; do
    [ -n "$py" ] || continue
    if "$py" -c 'import importlib.util as u, sys; sys.exit(u.find_spec("pulumi") is None)' 2>/dev/null; then
        exec "$py" -u "$here/b3os_langhost.py" --exec-script "$here/pulumi-language-python-exec" "$@"
    fi
done
echo "pulumi-language-python (b3os-iac): no Python with the pulumi SDK found; put the project's .venv/bin on PATH or set PULUMI_PYTHON_CMD" >&2
exit 1
EOF
    chmod 0755 "$tmp"
    if ! cmp -s "$tmp" "$BIN/pulumi-language-python" 2>/dev/null; then
        mv -f "$tmp" "$BIN/pulumi-language-python"
    else
        rm -f "$tmp"
    fi
}

have_real_language_host() {
    [ -x "$BIN/pulumi-language-python" ] && ! grep -q "$STANDIN_MARK" "$BIN/pulumi-language-python" 2>/dev/null
}

# 2. Already installed: no Go, no network.
if complete "$BIN" && yaml_done && [ "$("$BIN/pulumi" version 2>/dev/null)" = "$PULUMI_VERSION" ]; then
    have_real_language_host || write_standin_language_host
    log "pulumi $PULUMI_VERSION already installed in $BIN"
    echo "$BIN"
    exit 0
fi

command -v go >/dev/null 2>&1 || { log "Go is required to build the Pulumi CLI (none on PATH)"; exit 1; }

mkdir -p "$WORK" "$BIN"
cd "$WORK"
export GOFLAGS=-mod=mod CGO_ENABLED=0 GOTOOLCHAIN="${GOTOOLCHAIN:-auto}"
LDF="-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION"
MODCACHE="$(go env GOMODCACHE)"

prepare_module() {
    [ -f go.mod ] || go mod init example.invalid/pulumi-build >/dev/null 2>&1
    go mod edit -go=1.25.11
    go mod edit -require="github.com/pulumi/pulumi/pkg/v3@$PULUMI_VERSION" \
                -require="github.com/pulumi/pulumi/sdk/v3@$PULUMI_VERSION"
    go mod download "github.com/pulumi/pulumi/pkg/v3@$PULUMI_VERSION" "github.com/pulumi/pulumi/sdk/v3@$PULUMI_VERSION"
    local pkg_mod="$MODCACHE/cache/download/github.com/pulumi/pulumi/pkg/v3/@v/$PULUMI_VERSION.mod"
    # Copy every versioned replace directive of pkg/go.mod (local-path replaces are dropped:
    # we require sdk/v3 at the same release instead).
    grep -E '=>' "$pkg_mod" | sed -E 's/^\s*replace\s+//' | while read -r left a b c d; do
        # forms: "left => right rver"  or  "left lver => right rver"
        local right rver
        if [ "$a" = "=>" ]; then right="$b"; rver="$c"; else right="$c"; rver="$d"; fi
        case "$left" in github.com/pulumi/pulumi/*) continue ;; esac
        case "$right" in .*|/*) continue ;; esac
        if [ -n "$rver" ]; then go mod edit -replace="$left=$right@$rver"; fi
    done
    return 0
}

if [ ! -x "$BIN/pulumi" ] || [ "$("$BIN/pulumi" version 2>/dev/null)" != "$PULUMI_VERSION" ]; then
    log "building pulumi $PULUMI_VERSION from Go modules (first time: several minutes; cached afterwards)"
    prepare_module
    go get "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi@$PULUMI_VERSION"
    log "compiling pulumi"
    go build -trimpath -tags osusergo,grpcnotrace -ldflags "$LDF" -o "$BIN/pulumi.tmp" \
        github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
    mv -f "$BIN/pulumi.tmp" "$BIN/pulumi"
fi

# The language host module has no tags: it can only be fetched as a pseudo-version of a commit.
if ! have_real_language_host && [ ! -f "$LH_UNAVAILABLE" ]; then
    LH=github.com/pulumi/pulumi/sdk/python/cmd/pulumi-language-python/v3
    prepare_module
    commit="$(go list -m -json "github.com/pulumi/pulumi/sdk/v3@$PULUMI_VERSION" 2>/dev/null \
        | sed -n 's/.*"Hash": "\([0-9a-f]*\)".*/\1/p' | head -n1 || true)"
    log "trying the Go language host at ${commit:-master}"
    if go get "$LH@${commit:-master}" >&2 \
        && go get "github.com/pulumi/pulumi/pkg/v3@$PULUMI_VERSION" "github.com/pulumi/pulumi/sdk/v3@$PULUMI_VERSION" >&2 \
        && go build -trimpath -tags osusergo,grpcnotrace -ldflags "$LDF" \
            -o "$BIN/pulumi-language-python.tmp" "$LH" >&2; then
        mv -f "$BIN/pulumi-language-python.tmp" "$BIN/pulumi-language-python"
    else
        log "the Go language host is not available from the module proxy; using the b3os-iac stand-in"
        date -u +%FT%TZ >"$LH_UNAVAILABLE"
        # go get may have left the module half-edited; restore a clean state for later runs.
        go mod edit -droprequire="$LH" 2>/dev/null || true
    fi
fi
have_real_language_host || write_standin_language_host

# Pulumi's YAML language host: its own module, tagged, no replace directives, so `go install
# module@version` works as is (outside our wrapper module).
if ! yaml_done; then
    log "building pulumi-language-yaml $PULUMI_YAML_VERSION"
    if (cd / && GOFLAGS= GOBIN="$BIN" go install -trimpath \
            "github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml@$PULUMI_YAML_VERSION") >&2; then
        echo "$PULUMI_YAML_VERSION" >"$YAML_STAMP"
    else
        log "pulumi-language-yaml could not be built; Pulumi YAML programs (and their tests) are unavailable"
        date -u +%FT%TZ >"$YAML_UNAVAILABLE"
    fi
fi

# The two Python shims are plain files of the sdk module (module cache files are read-only and
# carry no exec bit, hence install -m).
SDK="$MODCACHE/github.com/pulumi/pulumi/sdk/v3@$PULUMI_VERSION"
[ -d "$SDK" ] || go mod download "github.com/pulumi/pulumi/sdk/v3@$PULUMI_VERSION"
install -m 0755 "$SDK/python/dist/pulumi-resource-pulumi-python" "$BIN/"
install -m 0644 "$SDK/python/cmd/pulumi-language-python-exec" "$BIN/"
log "installed: $("$BIN/pulumi" version) in $BIN"
echo "$BIN"
