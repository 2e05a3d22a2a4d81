# Shared by the image tests (image-test.sh, imager-boot.sh, hotspot-test.sh): a card booted under
# qemu-system-aarch64 -M virt (TCG; user networking, forwards on 127.0.0.1 only), SSH into it,
# PASS/FAIL checks each bounded in time, and per-step timings.
# shellcheck shell=bash disable=SC2034
. "$(dirname "${BASH_SOURCE[0]}")/../build/lib.sh"
VERSION=$(node -p "require('$REPO_DIR/package.json').version")
IMG=${GRIDBOX_TEST_IMG:-$REPO_DIR/out/gridbox-$VERSION-arm64.img}
QEMU_FILES=${IMG%.img}.qemu
T=${GRIDBOX_TEST_DIR:-$REPO_DIR/out/image-test}
BOOT_BOUND=${GRIDBOX_BOOT_BOUND_S:-600}     # QEMU start to an SSH login
CHECK_BOUND=${GRIDBOX_CHECK_BOUND_S:-120}   # any one check
SSH_PORT=${GRIDBOX_TEST_SSH_PORT:-10022}; HTTP_PORT=${GRIDBOX_TEST_HTTP_PORT:-18080}
MQTT_PORT=${GRIDBOX_TEST_MQTT_PORT:-11883}; OPEN_PORT=${GRIDBOX_TEST_OPEN_PORT:-18345}
need qemu-system-aarch64 qemu-system-arm; need mcopy mtools; need mosquitto_pub mosquitto-clients; need ssh openssh-client
[ -f "$IMG" ] || { echo "no image at $IMG: run make image first" >&2; exit 2; }
mkdir -p "$T"
fails=${fails:-0}; qemu_pid=""
STEP_LOG=$T/steps.tsv   # lib.sh's step() appends "seconds<TAB>name" here

pass() { printf 'PASS %s\n' "$1"; printf 'PASS %s\n' "$1" >>"$T/checks.log"; }
fail() { printf 'FAIL %s\n' "$1"; printf 'FAIL %s\n' "$1" >>"$T/checks.log"; fails=$((fails + 1)); }
# check NAME CMD...: PASS when CMD succeeds within CHECK_BOUND seconds (its output goes to checks.log)
check() {
  local name=$1 rc=0; shift
  printf -- '--- %s\n' "$name" >>"$T/checks.log"
  timeout "$CHECK_BOUND" "$@" >>"$T/checks.log" 2>&1 || rc=$?
  if [ "$rc" = 0 ]; then pass "$name"; elif [ "$rc" = 124 ]; then fail "$name (no answer within ${CHECK_BOUND}s)"; else fail "$name"; fi
}

# ssh_as USER KEY KNOWN-HOSTS: sets SSH (a command prefix) and ASROOT (root through systemd-run, no
# sudo on the image). Each card its own known_hosts: a changed host key makes ssh refuse passwords
# for that reason alone, which would hide what the password checks look for.
ssh_as() {
  SSH=(ssh -i "$2" -p "$SSH_PORT" -o StrictHostKeyChecking=no -o UserKnownHostsFile="$3" -o ConnectTimeout=10
    -o ServerAliveInterval=10 -o ServerAliveCountMax=3 -o BatchMode=yes -o LogLevel=ERROR "$1@127.0.0.1")
  ASROOT=("${SSH[@]}" systemd-run --quiet --pipe --wait --collect --service-type=exec --)
}

# (lib.sh runs with set -e: a killed QEMU's exit status must not end the test)
stop_qemu() { if [ -n "$qemu_pid" ]; then kill "$qemu_pid" 2>/dev/null || true; wait "$qemu_pid" 2>/dev/null || true; fi; qemu_pid=""; }
trap 'stop_qemu' EXIT

# start_qemu CARD SERIAL-LOG APPEND [QEMU-ARGS...]: the card as a virtio disk, the image's own kernel
# and initrd (the files the Pi boots), host forwards for SSH, HTTP, MQTT and one unlisted port
start_qemu() {
  local card=$1 log=$2 append=$3; shift 3
  qemu-system-aarch64 -M virt -cpu cortex-a72 -smp 2 -m 1024 \
    -kernel "$QEMU_FILES/vmlinuz" -initrd "$QEMU_FILES/initrd.img" -append "$append" \
    -drive file="$card",if=none,id=hd0,format=raw -device virtio-blk-pci,drive=hd0 \
    -netdev user,id=n0,hostfwd=tcp:127.0.0.1:$SSH_PORT-:22,hostfwd=tcp:127.0.0.1:$HTTP_PORT-:8080,hostfwd=tcp:127.0.0.1:$MQTT_PORT-:1883,hostfwd=tcp:127.0.0.1:$OPEN_PORT-:12345 \
    -device virtio-net-pci,netdev=n0 -display none -monitor none -serial "file:$log" "$@" &
  qemu_pid=$!
}

# wait_ssh WHAT T0: until SSH (as set by ssh_as) answers, at most BOOT_BOUND seconds after T0
wait_ssh() {
  local what=$1 t0=$2
  until "${SSH[@]}" true 2>/dev/null; do
    if [ $(( $(date +%s) - t0 )) -gt "$BOOT_BOUND" ]; then fail "$what: SSH within ${BOOT_BOUND}s"; return 1; fi
    kill -0 "$qemu_pid" 2>/dev/null || { fail "$what: QEMU exited"; return 1; }
    sleep 3
  done
  BOOT_S=$(( $(date +%s) - t0 ))
  pass "$what: SSH key login after ${BOOT_S}s"
}

# shut_down: poweroff the guest (journal saved first), kill QEMU if it does not stop within 60 s
shut_down() {
  local name=$1
  timeout 60 "${ASROOT[@]}" journalctl -b --no-pager -q >"$T/journal-$name.txt" 2>&1 || true
  timeout 20 "${ASROOT[@]}" systemctl poweroff >/dev/null 2>&1 || true
  for _ in $(seq 1 30); do kill -0 "$qemu_pid" 2>/dev/null || break; sleep 2; done
  stop_qemu
}

# the end of a test: per-step times, the verdict
report() {
  total_time
  echo "per-step times (s):"; column -t -s "$(printf '\t')" "$STEP_LOG" 2>/dev/null || cat "$STEP_LOG"
  echo "serial logs, journals and check output: $T"
  if [ "$fails" = 0 ]; then echo "$1: all checks passed"; else echo "$1: $fails checks failed (see $T/checks.log)"; exit 1; fi
}
