# Sourced by web/test.sh and web/e2e.sh. start_web_sandbox [ARGS...] starts `skiff serve --web`
# on a fresh sandbox in $work (with ARGS added), waits until it serves, and sets web_url to the
# app's address. Its PID goes to $work/serve.pid, for the caller's trap.
start_web_sandbox() {
  "${CARGO_TARGET_DIR:-target}/debug/skiff" serve --data "$work/sandbox" --web --web-dir dist \
    "$@" > "$work/serve.log" 2>&1 &
  echo $! > "$work/serve.pid"
  web_url=
  for _ in $(seq 1 100); do
    web_url=$(sed -n 's/^  open \(http[^ ]*\)$/\1/p' "$work/serve.log")
    [ -n "$web_url" ] && return 0
    sleep 0.1
  done
  cat "$work/serve.log"
  echo "skiff serve --web did not start" >&2
  exit 1
}
