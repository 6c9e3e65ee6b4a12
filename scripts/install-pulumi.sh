#!/usr/bin/env bash
# Installs the real Pulumi CLI, the Python language host and the dynamic-provider shim.
#
# There is no registry package that ships the CLI, so we compile the pinned release from the Go
# module proxy into a cache under the home directory (never into the repo). A `pulumi` already
# on PATH that is recent enough is used as it is. Go's module and build caches make a second run
# take seconds. Prints the bin directory to put first on PATH as the last line of stdout.
set -euo pipefail

PULUMI_VERSION="${PULUMI_VERSION:-v3.274.1}"
MIN_VERSION="3.200.0"
CACHE_ROOT="${B3OS_TOOLS_DIR:-$HOME/.cache/b3os-iac}"
PREFIX="$CACHE_ROOT/pulumi-$PULUMI_VERSION"
BIN="$PREFIX/bin"

log() { printf '[install-pulumi] %s\n' "$*" >&2; }

version_ok() {  # $1 = "vX.Y.Z" or "X.Y.Z"
    local v="${1#v}"
    [ -n "$v" ] && [ "$(printf '%s\n%s\n' "$MIN_VERSION" "$v" | sort -V | head -n1)" = "$MIN_VERSION" ]
}

complete() {  # $1 = bin dir
    [ -x "$1/pulumi" ] && [ -x "$1/pulumi-language-python" ] \
        && [ -x "$1/pulumi-resource-pulumi-python" ] && [ -f "$1/pulumi-language-python-exec" ]
}

# 1. An ambient pulumi that is recent enough and has its Python helpers beside it.
if [ -z "${B3OS_FORCE_PULUMI_BUILD:-}" ] && command -v pulumi >/dev/null 2>&1; then
    ambient="$(dirname "$(command -v pulumi)")"
    if complete "$ambient" && version_ok "$(PULUMI_SKIP_UPDATE_CHECK=1 pulumi version 2>/dev/null || true)"; then
        log "using pulumi on PATH ($ambient)"
        echo "$ambient"
        exit 0
    fi
fi

# 2. Already built.
if complete "$BIN" && [ "$("$BIN/pulumi" version 2>/dev/null)" = "$PULUMI_VERSION" ]; then
    log "pulumi $PULUMI_VERSION already built in $BIN"
    echo "$BIN"
    exit 0
fi

command -v go >/dev/null 2>&1 || { log "Go is required to build the Pulumi CLI"; exit 1; }

WORK="$PREFIX/build"
mkdir -p "$WORK" "$BIN"
cd "$WORK"
export GOFLAGS=-mod=mod CGO_ENABLED=0 GOTOOLCHAIN="${GOTOOLCHAIN:-auto}"

log "building pulumi $PULUMI_VERSION from Go modules (first time: several minutes; cached afterwards)"
if [ ! -f go.mod ]; then
    go mod init example.invalid/pulumi-build >/dev/null 2>&1
fi
go mod edit -go=1.25.11
go mod edit -require="github.com/pulumi/pulumi/pkg/v3@$PULUMI_VERSION" \
            -require="github.com/pulumi/pulumi/sdk/v3@$PULUMI_VERSION"
go mod download "github.com/pulumi/pulumi/pkg/v3@$PULUMI_VERSION"
MODCACHE="$(go env GOMODCACHE)"
PKG_MOD="$MODCACHE/cache/download/github.com/pulumi/pulumi/pkg/v3/@v/$PULUMI_VERSION.mod"
# Copy every versioned replace directive of pkg/go.mod (local-path replaces are dropped:
# we require sdk/v3 at the same release instead).
grep -E '^\s*(replace\s+)?[^ ]+( v[^ ]+)? => [^ .][^ ]* v[^ ]+' "$PKG_MOD" | sed -E 's/^\s*replace\s+//' | while read -r left arrow right rver; do
    case "$left" in github.com/pulumi/pulumi/*) continue ;; esac
    if [ "$arrow" != "=>" ]; then  # "path version => path version"
        continue
    fi
    go mod edit -replace="$left=$right@$rver"
done

LDF="-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION"
log "go get pulumi"
go get "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi@$PULUMI_VERSION"
log "compiling pulumi"
go build -trimpath -tags osusergo,grpcnotrace -ldflags "$LDF" -o "$BIN/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi

# The language host module has no tags: fetch it at the release's commit (pseudo-version).
LH=github.com/pulumi/pulumi/sdk/python/cmd/pulumi-language-python/v3
commit="$(go list -m -json "github.com/pulumi/pulumi/sdk/v3@$PULUMI_VERSION" | sed -n 's/.*"Hash": "\([0-9a-f]*\)".*/\1/p' | head -n1)"
log "language host at commit ${commit:-<unknown; using master>}"
go get "$LH@${commit:-master}" || go get "$LH@master"
go get "github.com/pulumi/pulumi/pkg/v3@$PULUMI_VERSION" "github.com/pulumi/pulumi/sdk/v3@$PULUMI_VERSION"
log "compiling pulumi-language-python"
go build -trimpath -tags osusergo,grpcnotrace -ldflags "$LDF" -o "$BIN/pulumi-language-python" "$LH"

SDK="$MODCACHE/github.com/pulumi/pulumi/sdk/v3@$PULUMI_VERSION"
install -m 0755 "$SDK/python/dist/pulumi-resource-pulumi-python" "$BIN/"
install -m 0644 "$SDK/python/cmd/pulumi-language-python-exec" "$BIN/"
"$BIN/pulumi" version >&2
log "done: $BIN"
echo "$BIN"
