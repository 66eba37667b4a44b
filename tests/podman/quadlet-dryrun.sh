#!/usr/bin/env bash
# quadlet-dryrun.sh SANDBOX DIR: copies DIR into the podman 5 sandbox, prints the systemd units
# that Quadlet generates from its .kube files (`quadlet -dryrun`), and removes the copy. The
# podman smoke test uses it to check the units stackc writes with `--quadlet`.
set -euo pipefail
# shellcheck source=/dev/null
source "$1"
staged=$(podman5_stage "$2")
trap 'rm -rf --one-file-system "$_P5_ROOT$staged"' EXIT
_p5_in_ns / /usr/bin/env QUADLET_UNIT_DIRS="$staged" /usr/libexec/podman/quadlet -dryrun
