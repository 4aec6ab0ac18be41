#!/usr/bin/env bash
# Installs Ory Hydra v2.3.0 into the bench cache (outside the repo) with
# `go get -tool` in a scratch module, as spec/quality.md describes.
# Idempotent: does nothing when the binary is already there.
set -euo pipefail
CACHE="${BENCH_CACHE:-$HOME/.cache/gatehouse-bench}"
HYDRA_VERSION="${HYDRA_VERSION:-v2.3.0}"
DIR="$CACHE/hydra-$HYDRA_VERSION"
BIN="$DIR/hydra"
if [[ -x "$BIN" ]]; then echo "$BIN"; exit 0; fi
mkdir -p "$DIR"
cd "$DIR"
if [[ ! -f go.mod ]]; then
  go mod init benchhydra >/dev/null 2>&1
fi
# Hydra's own go.mod replaces gobuffalo/pop/v6 by ory/pop/v6; replace
# directives of dependencies are not inherited, so copy it.
go mod edit -replace github.com/gobuffalo/pop/v6=github.com/ory/pop/v6@v6.2.1-0.20241121111754-e5dfc0f3344b
go get -tool "github.com/ory/hydra/v2@$HYDRA_VERSION" >&2
go build -tags sqlite,sqlite_omit_load_extension -trimpath -o "$BIN.tmp" github.com/ory/hydra/v2 >&2
mv "$BIN.tmp" "$BIN"
echo "$BIN"
