#!/usr/bin/env bash
# Placeholder until its build lands: prints no exports.
set -euo pipefail
