#!/usr/bin/env bash
# Build the README's "Your own collector" guide exactly as written.
#
# Every fenced block that follows a `<!-- guide: FILE -->` comment is
# written to FILE; a block after `<!-- guide: run -->` is run as shell
# commands, in order, in a temporary directory that holds this checkout as
# `collie/`. Any failing command fails the script, so the guide cannot drift
# from what works.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
ln -s "$root" "$work/collie"
# Reuse the checkout's build of the dependencies.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"

# Turn the guide into one shell script: file blocks become here-documents.
awk '
  /^ *<!-- guide: .* -->$/ {
    target = $0
    sub(/^ *<!-- guide: /, "", target); sub(/ -->$/, "", target)
    next
  }
  target != "" && /^ *```/ && !inside {
    inside = 1
    match($0, /^ */); indent = RLENGTH
    if (target != "run") {
      printf "mkdir -p \"$(dirname %s)\"\ncat > %s <<'\''GUIDE_EOF'\''\n", target, target
    }
    next
  }
  inside && /^ *```$/ {
    if (target != "run") print "GUIDE_EOF"
    inside = 0; target = ""
    next
  }
  inside { print substr($0, indent + 1) }
' "$root/README.md" > "$work/guide.sh"

blocks=$(grep -c '^cat > ' "$work/guide.sh" || true)
if [ "$blocks" -lt 3 ]; then
  echo "check-guide: found $blocks file blocks in the README's guide; expected src/main.rs and two YAML files" >&2
  exit 1
fi
echo "check-guide: running the guide ($blocks files) in $work"
(cd "$work" && bash -euxo pipefail guide.sh)
echo "check-guide: the guide builds and runs as written"
