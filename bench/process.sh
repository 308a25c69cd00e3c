#!/usr/bin/env bash
# Whole-process wall time and peak memory of the hcq binary, as
# `/usr/bin/time -v` reports them: `hcq emit -e` on the typical expression,
# `hcq check` on the 1 MiB and 16 MiB generated segment files and `hcq
# emit` of every segment of the 16 MiB one. BENCHMARKS.md quotes its
# output; `cargo bench -p hcq-bench --bench pipeline` measures the same
# commands' wall time more finely (groups `process`, `process_check` and
# `process_emit`).
#
#   bash bench/process.sh            # 5 runs of each
#   RUNS=20 bash bench/process.sh
#   ONLY=eval bash bench/process.sh  # only the `hcq eval` lines
#   HCQ=/path/to/hcq ONLY=eval bash bench/process.sh  # another build of hcq
#   BEFORE=/path/to/old/hcq bash bench/process.sh  # each line also for an
#       older build, in the same run (before/after tables)
#   ONLY=files bash bench/process.sh  # only the segment-file lines
#   COUNTS="10000 50000 200000" ONLY=eval bash bench/process.sh
set -euo pipefail
cd "$(dirname "$0")/.."
target=${CARGO_TARGET_DIR:-target}
runs=${RUNS:-5}
now=2024-06-01T00:00:00Z
typical='email ~ "gmail" and (lastSeen >= now - 30d or tag = Lead) and countryCode in (UA, PL)'

only=${ONLY:-all}
counts=${COUNTS:-200000}

cargo build --release --quiet --bin hcq --example gen_segments --example gen_contacts
hcq=${HCQ:-$target/release/hcq}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
file="$dir/segments-16MiB.hcq"

# One line per run: wall seconds and peak resident memory in KiB.
measure() {
    for _ in $(seq "$runs"); do
        /usr/bin/time -v "$@" 2>&1 >/dev/null | awk -F': ' '
            /Elapsed \(wall clock\)/ { n = split($2, p, ":"); wall = p[n] + 60 * (n > 1 ? p[n - 1] : 0) }
            /Maximum resident set size/ { rss = $2 }
            END { printf "%.2f %d\n", wall, rss }'
    done | sort -n | awk -v what="$WHAT" -v bytes="${BYTES:-0}" '
        { wall[NR] = $1; if ($2 > rss) rss = $2 }
        END { median = wall[int((NR + 1) / 2)]
              rate = (bytes > 0 && median > 0) ? sprintf(", %.0f MB/s", bytes / median / 1e6) : ""
              printf "%s: median wall %.2f s (min %.2f, max %.2f; /usr/bin/time counts hundredths)%s, peak RSS %.1f MiB, %d runs\n",
                     what, median, wall[1], wall[NR], rate, rss / 1024, NR }'
}

# Each command for the build under test, and first for $BEFORE if set.
both() {
    for build in ${BEFORE:+before} after; do
        bin=$hcq
        [ "$build" = before ] && bin=$BEFORE
        label=""
        [ -n "${BEFORE:-}" ] && label=" [$build]"
        WHAT="$WHAT$label" measure "$bin" "$@"
    done
}

if [ "$only" = all ] || [ "$only" = files ]; then
    small="$dir/segments-1MiB.hcq"
    "$target/release/examples/gen_segments" --bytes $((1 << 20)) --seed 1 >"$small"
    "$target/release/examples/gen_segments" --bytes $((16 << 20)) --seed 1 >"$file"
    WHAT="hcq emit -e TYPICAL" both emit --now "$now" -e "$typical"
    for f in "$small" "$file"; do
        bytes=$(wc -c <"$f")
        WHAT="hcq check ($(basename "$f"), $bytes bytes)" BYTES=$bytes both check --now "$now" "$f"
    done
    bytes=$(wc -c <"$file")
    WHAT="hcq emit, every segment ($(basename "$file"), $bytes bytes)" BYTES=$bytes \
        both emit --now "$now" "$file"
    rm -f "$small" "$file"
fi

# `hcq eval`: every gmail lead printed as written (about 1 in 10 of the
# contacts), and the 10 last seen (`sort by … limit`), each over the export
# on one line (as the API and curl deliver it) and as JSON Lines; MB/s is
# of the export's bytes by the median wall time.
matches='email ~ gmail and tag = Lead'
top='lastSeen >= 0 sort by lastSeen desc limit 10'
[ "$only" = files ] && exit 0
for count in $counts; do
    for layout in response jsonl; do
        export="$dir/contacts-$count.$layout"
        "$target/release/examples/gen_contacts" --count "$count" --seed 1 --layout "$layout" >"$export"
        bytes=$(wc -c <"$export")
        for build in ${BEFORE:+before} after; do
            bin=$hcq
            [ "$build" = before ] && bin=$BEFORE
            label=""
            [ -n "${BEFORE:-}" ] && label=" [$build]"
            WHAT="hcq eval MATCHES, $count contacts, $layout ($bytes bytes)$label" BYTES=$bytes \
                measure "$bin" eval --now "$now" -e "$matches" --contacts "$export"
            WHAT="hcq eval TOP10, $count contacts, $layout ($bytes bytes)$label" BYTES=$bytes \
                measure "$bin" eval --now "$now" -e "$top" --contacts "$export"
        done
    done
    rm -f "$dir"/contacts-*
done
