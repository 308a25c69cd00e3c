#!/usr/bin/env bash
# Whole-process wall time and peak memory of the hcq binary, as
# `/usr/bin/time -v` reports them: `hcq emit -e` on the typical expression
# and `hcq check` on the 16 MiB generated segment file. BENCHMARKS.md
# quotes its output; `cargo bench -p hcq-bench --bench pipeline` measures
# the same two commands' wall time more finely (groups `process` and
# `process_check`).
#
#   bash bench/process.sh            # 5 runs of each
#   RUNS=20 bash bench/process.sh
set -euo pipefail
cd "$(dirname "$0")/.."
target=${CARGO_TARGET_DIR:-target}
runs=${RUNS:-5}
now=2024-06-01T00:00:00Z
typical='email ~ "gmail" and (lastSeen >= now - 30d or tag = Lead) and countryCode in (UA, PL)'

cargo build --release --quiet --bin hcq --example gen_segments
hcq="$target/release/hcq"
file=$(mktemp --suffix=.hcq)
trap 'rm -f "$file"' EXIT
"$target/release/examples/gen_segments" --bytes $((16 << 20)) --seed 1 >"$file"

# One line per run: wall seconds and peak resident memory in KiB.
measure() {
    for _ in $(seq "$runs"); do
        /usr/bin/time -v "$@" 2>&1 >/dev/null | awk -F': ' '
            /Elapsed \(wall clock\)/ { n = split($2, p, ":"); wall = p[n] + 60 * (n > 1 ? p[n - 1] : 0) }
            /Maximum resident set size/ { rss = $2 }
            END { printf "%.2f %d\n", wall, rss }'
    done | sort -n | awk -v what="$WHAT" '
        { wall[NR] = $1; if ($2 > rss) rss = $2 }
        END { printf "%s: median wall %.2f s (min %.2f, max %.2f; /usr/bin/time counts hundredths), peak RSS %.1f MiB, %d runs\n",
                     what, wall[int((NR + 1) / 2)], wall[1], wall[NR], rss / 1024, NR }'
}

WHAT="hcq emit -e TYPICAL" measure "$hcq" emit --now "$now" -e "$typical"
WHAT="hcq check (16 MiB file, $(wc -c <"$file") bytes)" measure "$hcq" check --now "$now" "$file"
