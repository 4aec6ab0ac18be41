#!/usr/bin/env bash
# The whole test suite. Tests that need PostgreSQL run when
# GATEHOUSE_TEST_POSTGRES_URL is set (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable);
# .ci/run sets it and installs what is missing.
set -euo pipefail
cd "$(dirname "$0")"
exec go test -count=1 -timeout 20m "$@" ./...
