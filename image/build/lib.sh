# Shared by the image build scripts: numbered steps with timings, cache keys from input files.
# shellcheck shell=bash disable=SC2034
set -euo pipefail
IMAGE_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REPO_DIR=$(cd "$IMAGE_DIR/.." && pwd)
# layers are keyed by their inputs, so one cache can serve every checkout of the repo
CACHE=${GRIDBOX_IMAGE_CACHE:-/var/cache/gridbox-image}
SUITE=trixie
MIRROR=${GRIDBOX_DEBIAN_MIRROR:-http://deb.debian.org/debian}
SECURITY_MIRROR=${GRIDBOX_DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
_step_start=0
_build_start=$(date +%s)

step() { # step "name": prints progress and how long the previous step took
  step_done
  _step_name=$1; _step_start=$(date +%s)
  printf '==> [%s] %s\n' "$(date +%H:%M:%S)" "$1" >&2
}
step_done() { # STEP_LOG=FILE also collects "seconds<TAB>step" lines (the tests print them as a table)
  if [ "$_step_start" != 0 ]; then
    printf '    done in %ss: %s\n' "$(( $(date +%s) - _step_start ))" "$_step_name" >&2
    [ -z "${STEP_LOG:-}" ] || printf '%s\t%s\n' "$(( $(date +%s) - _step_start ))" "$_step_name" >>"$STEP_LOG"
    _step_start=0
  fi
}
total_time() { step_done; printf '==> total %ss\n' "$(( $(date +%s) - _build_start ))" >&2; }

# key FILE...: short sha256 over the named files' paths and contents (directories recursively)
key() {
  local f
  for f in "$@"; do
    if [ -d "$f" ]; then find "$f" -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum
    else sha256sum "$f"; fi
  done | sed "s|$REPO_DIR/||" | sha256sum | cut -c1-16
}

packages() { grep -v -e '^#' -e '^[[:space:]]*$' "$1" | paste -sd, ; }

need() { # need CMD PKG: a host tool the build uses
  command -v "$1" >/dev/null || { echo "missing $1: apt-get install $2" >&2; exit 1; }
}

binfmt_aarch64() { # foreign-arch chroots run arm64 binaries through qemu-user
  [ -e /proc/sys/fs/binfmt_misc/register ] || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
  [ -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ] || update-binfmts --enable qemu-aarch64
  grep -q enabled /proc/sys/fs/binfmt_misc/qemu-aarch64
}
