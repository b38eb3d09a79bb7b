#!/usr/bin/env bash
# Runs the live-server tests (the ones marked #[ignore = "needs CUTOVER_TEST_MSSQL"]) against the
# real SQL Server or Managed Instance named by CUTOVER_TEST_MSSQL. Without it they are skipped in
# `cargo test`, never passed. The database and login need: VIEW SERVER STATE (VIEW SERVER
# PERFORMANCE STATE on 2022 and MI), VIEW DATABASE STATE, VIEW DEFINITION, CREATE DATABASE (the
# encoding test creates `cutover_golden`).
#   CUTOVER_TEST_MSSQL='Server=tcp:localhost,1433;User Id=sa;Password=${SA_PASSWORD};TrustServerCertificate=true' \
#     scripts/live-test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${CUTOVER_TEST_MSSQL:-}" ]; then
  echo "live-test: set CUTOVER_TEST_MSSQL to a connection string (see the top of this script)" >&2
  exit 2
fi
exec cargo test --workspace "$@" -- --ignored
