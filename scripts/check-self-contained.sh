#!/usr/bin/env bash
# Fails when a tracked file refers to the development machines' shared folder beside the
# checkout, or another path outside the repository: a user's clone, a packager or a CI machine
# has nothing beside the clone. Third-party data the tests need lives in tests/data
# (tests/data/README.md names source and licence).
set -euo pipefail
cd "$(dirname "$0")/.."
# This script names the pattern it looks for, so it is the one file allowed to contain it.
if hits=$(git grep -n -E '(\.\./)+shared(/|\b)|/work/shared' -- . \
          ':!scripts/check-self-contained.sh' ':!tests/data/langfuse/openapi.yml'); then
    echo "files under the repository refer to the shared folder beside the checkout, which a clone does not have:" >&2
    echo "$hits" >&2
    exit 1
fi
echo "self-contained: no file refers to a path outside the repository"
