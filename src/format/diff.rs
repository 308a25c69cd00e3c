//! The unified diff `hcq fmt --check` prints: the smallest edit script
//! (Myers), in hunks with context.

use std::fmt::Write as _;

/// Lines of context around each change in [`diff`].
const CONTEXT: usize = 3;

/// Past this many differing lines, [`diff`] stops looking for the
/// smallest difference and shows the differing middle as removed and
/// added: the search takes time and memory quadratic in the difference.
const MAX_EDIT_DISTANCE: usize = 1000;

/// A unified diff from `old` to `new` (`--- path`, `+++ path (formatted)`,
/// hunks with three lines of context), empty when they are equal.
pub fn diff(path: &str, old: &str, new: &str) -> String {
    if old == new {
        return String::new();
    }
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    let ops = edit_script(&a, &b);
    let mut out = format!("--- {path}\n+++ {path} (formatted)\n");
    // Hunks: runs of changes with their context, merged when close.
    let changed: Vec<usize> = ops
        .iter()
        .enumerate()
        .filter(|(_, op)| !matches!(op, Op::Same))
        .map(|(i, _)| i)
        .collect();
    if changed.is_empty() {
        // Only the final line break differs.
        out.push_str("\\ the files differ only in their final line break\n");
        return out;
    }
    let mut hunks: Vec<(usize, usize)> = Vec::new();
    for &i in &changed {
        let start = i.saturating_sub(CONTEXT);
        let end = (i + CONTEXT + 1).min(ops.len());
        match hunks.last_mut() {
            Some(last) if start <= last.1 => last.1 = end,
            _ => hunks.push((start, end)),
        }
    }
    // Line numbers (from 0) in `a` and `b` before each op.
    let mut positions = Vec::with_capacity(ops.len() + 1);
    let (mut x, mut y) = (0, 0);
    for op in &ops {
        positions.push((x, y));
        match op {
            Op::Same => (x, y) = (x + 1, y + 1),
            Op::Delete => x += 1,
            Op::Insert => y += 1,
        }
    }
    positions.push((x, y));
    for (start, end) in hunks {
        let (x0, y0) = positions[start];
        let (x1, y1) = positions[end];
        let range = |from: usize, to: usize| {
            let count = to - from;
            let first = if count == 0 { from } else { from + 1 };
            format!("{first},{count}")
        };
        let _ = writeln!(out, "@@ -{} +{} @@", range(x0, x1), range(y0, y1));
        for (op, &(x, y)) in ops[start..end].iter().zip(&positions[start..end]) {
            let _ = match op {
                Op::Same => writeln!(out, " {}", a[x]),
                Op::Delete => writeln!(out, "-{}", a[x]),
                Op::Insert => writeln!(out, "+{}", b[y]),
            };
        }
    }
    out
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Same,
    Delete,
    Insert,
}

/// The shortest edit script from `a` to `b` (Myers' algorithm, after
/// trimming the common prefix and suffix).
fn edit_script(a: &[&str], b: &[&str]) -> Vec<Op> {
    let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let suffix = a[prefix..]
        .iter()
        .rev()
        .zip(b[prefix..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let middle_a = &a[prefix..a.len() - suffix];
    let middle_b = &b[prefix..b.len() - suffix];
    let mut ops = vec![Op::Same; prefix];
    match myers(middle_a, middle_b) {
        Some(middle) => ops.extend(middle),
        None => {
            ops.extend(std::iter::repeat_n(Op::Delete, middle_a.len()));
            ops.extend(std::iter::repeat_n(Op::Insert, middle_b.len()));
        }
    }
    ops.extend(std::iter::repeat_n(Op::Same, suffix));
    ops
}

/// Myers' O((N+M)·D) diff, keeping for each step only the diagonals it
/// reached, so memory is O(D²). `None` past [`MAX_EDIT_DISTANCE`].
fn myers(a: &[&str], b: &[&str]) -> Option<Vec<Op>> {
    let (n, m) = (a.len() as isize, b.len() as isize);
    let max = (a.len() + b.len()).min(MAX_EDIT_DISTANCE) as isize;
    let offset = max + 1;
    let mut v = vec![0isize; 2 * max as usize + 3];
    let at = |k: isize| (k + offset) as usize;
    // trace[d]: the furthest x on diagonals -d..=d before step d.
    let mut trace: Vec<Vec<isize>> = Vec::new();
    let mut found = None;
    'search: for d in 0..=max {
        trace.push(v[at(-d)..=at(d)].to_vec());
        for k in (-d..=d).step_by(2) {
            let mut x = if k == -d || (k != d && v[at(k - 1)] < v[at(k + 1)]) {
                v[at(k + 1)]
            } else {
                v[at(k - 1)] + 1
            };
            let mut y = x - k;
            while x < n && y < m && a[x as usize] == b[y as usize] {
                x += 1;
                y += 1;
            }
            v[at(k)] = x;
            if x >= n && y >= m {
                found = Some(d);
                break 'search;
            }
        }
    }
    let distance = found?;
    let mut ops = Vec::new();
    let (mut x, mut y) = (n, m);
    for d in (0..=distance).rev() {
        if d == 0 {
            ops.extend(std::iter::repeat_n(Op::Same, x as usize));
            break;
        }
        let before = &trace[d as usize];
        let get = |k: isize| before[(k + d) as usize];
        let k = x - y;
        let previous_k = if k == -d || (k != d && get(k - 1) < get(k + 1)) {
            k + 1
        } else {
            k - 1
        };
        let previous_x = get(previous_k);
        let previous_y = previous_x - previous_k;
        while x > previous_x && y > previous_y {
            ops.push(Op::Same);
            x -= 1;
            y -= 1;
        }
        if x == previous_x {
            ops.push(Op::Insert);
        } else {
            ops.push(Op::Delete);
        }
        (x, y) = (previous_x, previous_y);
    }
    ops.reverse();
    Some(ops)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn apply(a: &[&str], b: &[&str], ops: &[Op]) -> Vec<String> {
        let (mut x, mut y) = (0, 0);
        let mut out = Vec::new();
        for op in ops {
            match op {
                Op::Same => {
                    assert_eq!(a[x], b[y]);
                    out.push(a[x].to_owned());
                    x += 1;
                    y += 1;
                }
                Op::Delete => x += 1,
                Op::Insert => {
                    out.push(b[y].to_owned());
                    y += 1;
                }
            }
        }
        assert_eq!((x, y), (a.len(), b.len()));
        out
    }

    #[test]
    fn edit_scripts_turn_old_into_new() {
        let cases: &[(&[&str], &[&str])] = &[
            (&[], &[]),
            (&["a"], &[]),
            (&[], &["a"]),
            (&["a", "b", "c"], &["a", "c"]),
            (
                &["a", "b", "c", "a", "b", "b", "a"],
                &["c", "b", "a", "b", "a", "c"],
            ),
            (&["x", "y"], &["y", "x"]),
        ];
        for (a, b) in cases {
            let ops = edit_script(a, b);
            assert_eq!(apply(a, b, &ops), b.to_vec());
        }
        // The classic example has distance 5.
        let ops = edit_script(
            &["a", "b", "c", "a", "b", "b", "a"],
            &["c", "b", "a", "b", "a", "c"],
        );
        assert_eq!(ops.iter().filter(|op| **op != Op::Same).count(), 5);
    }

    #[test]
    fn diffs_show_hunks_with_context() {
        let old = "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n";
        let new = "1\n2\n3\n4\nfive\n6\n7\n8\n9\n10\n";
        assert_eq!(
            diff("f.hcq", old, new),
            "--- f.hcq\n+++ f.hcq (formatted)\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n"
        );
        assert_eq!(diff("f.hcq", old, old), "");
        assert_eq!(
            diff("f.hcq", "a", "b\n"),
            "--- f.hcq\n+++ f.hcq (formatted)\n@@ -1,1 +1,1 @@\n-a\n+b\n"
        );
    }

    #[test]
    fn a_difference_past_the_bound_shows_the_whole_middle() {
        let a: Vec<String> = (0..MAX_EDIT_DISTANCE + 10).map(|i| i.to_string()).collect();
        let b: Vec<String> = a.iter().map(|s| format!("{s}!")).collect();
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        let b: Vec<&str> = b.iter().map(String::as_str).collect();
        let ops = edit_script(&a, &b);
        assert_eq!(apply(&a, &b, &ops), b);
    }
}
