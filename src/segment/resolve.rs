//! Resolving references: each name's first definition (a later one is a
//! duplicate), each `@name`'s segment (an unknown one gets a "did you
//! mean"), and cycles, found with an iterative Tarjan so that a chain of
//! 10,000 segments does not overflow the stack.

use super::error::{Problems, SegmentError};
use super::outline::Outline;
use crate::schema::{Case, MAX_SUGGESTION_CANDIDATES, Suggester};
use miette::LabeledSpan;
use std::collections::{HashMap, HashSet};

/// The strongly connected components of a graph, each after every
/// component it reaches (dependencies first), held flat: a large file has
/// a component for nearly every segment.
pub(super) struct Components {
    /// Every vertex, component after component, each sorted.
    members: Vec<usize>,
    /// Where each component ends in `members`.
    ends: Vec<usize>,
}

impl Components {
    /// Each component, dependencies first.
    pub(super) fn iter(&self) -> impl Iterator<Item = &[usize]> + '_ {
        let starts = std::iter::once(0).chain(self.ends.iter().copied());
        starts
            .zip(&self.ends)
            .map(|(start, &end)| &self.members[start..end])
    }

    /// Every vertex, dependencies first.
    pub(super) fn order(&self) -> &[usize] {
        &self.members
    }
}

/// The strongly connected components of a graph given by adjacency lists.
/// Tarjan's algorithm with an explicit stack.
pub(super) fn strongly_connected(adjacent: &[Vec<usize>]) -> Components {
    const UNSEEN: usize = usize::MAX;
    let n = adjacent.len();
    let mut index = vec![UNSEEN; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut stack = Vec::new();
    let mut calls: Vec<(usize, usize)> = Vec::new();
    let mut next = 0;
    let mut components = Components {
        members: Vec::with_capacity(n),
        ends: Vec::new(),
    };
    for root in 0..n {
        if index[root] != UNSEEN {
            continue;
        }
        index[root] = next;
        low[root] = next;
        next += 1;
        stack.push(root);
        on_stack[root] = true;
        calls.push((root, 0));
        while let Some(&mut (v, ref mut edge)) = calls.last_mut() {
            if let Some(&w) = adjacent[v].get(*edge) {
                *edge += 1;
                if index[w] == UNSEEN {
                    index[w] = next;
                    low[w] = next;
                    next += 1;
                    stack.push(w);
                    on_stack[w] = true;
                    calls.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            calls.pop();
            if let Some(&(parent, _)) = calls.last() {
                low[parent] = low[parent].min(low[v]);
            }
            if low[v] == index[v] {
                let start = components.members.len();
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    components.members.push(w);
                    if w == v {
                        break;
                    }
                }
                components.members[start..].sort_unstable();
                components.ends.push(components.members.len());
            }
        }
    }
    components
}

/// The defined name closest to `name`, if one is close enough to suggest.
pub(super) fn suggest<'a>(name: &str, names: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    Suggester::new(names, Case::Keep).suggest(name)
}

/// The most name comparisons "did you mean" makes for one file; unknown
/// names looked up past it get no suggestion. [`Suggester`] bounds what
/// one comparison costs, so a file's suggestions cost at most a constant
/// however many unknown names it holds (a name too long to suggest for
/// costs no comparison, and spends none of this).
const MAX_SUGGESTION_COMPARISONS: usize = 100 * MAX_SUGGESTION_CANDIDATES;

/// Each name's first definition; a later one is reported.
pub(super) fn index_names<'a>(
    segments: &[Outline<'a>],
    problems: &mut Problems,
) -> HashMap<&'a str, usize> {
    let mut by_name: HashMap<&str, usize> = HashMap::with_capacity(segments.len());
    for (i, segment) in segments.iter().enumerate() {
        let name = segment.name;
        match by_name.get(name) {
            Some(&first) => problems.push(SegmentError::Duplicate {
                name: name.to_owned(),
                again: segment.name_span.into(),
                first: segments[first].name_span.into(),
            }),
            None => {
                by_name.insert(name, i);
            }
        }
    }
    by_name
}

/// Who uses whom.
pub(super) struct Graph {
    /// The segment each `@name` of each segment names, when it names one, in one list
    /// per segment (an edge for each `@`).
    pub(super) edges: Vec<Vec<usize>>,
    /// Each `@name`'s segment, in the order of `uses` (`None` for an
    /// unknown name).
    pub(super) targets: Vec<Vec<Option<usize>>>,
    /// Segments whose references cannot all be spliced in: an unknown
    /// name, a cycle, a bound, or a segment used that has one of those.
    pub(super) unresolved: Vec<bool>,
}

/// Resolves every `@name`, reporting unknown ones (except names of
/// segments that failed to parse, already reported).
pub(super) fn resolve_references(
    segments: &[Outline],
    by_name: &HashMap<&str, usize>,
    broken: &HashSet<String>,
    problems: &mut Problems,
) -> Graph {
    let mut graph = Graph {
        edges: Vec::with_capacity(segments.len()),
        targets: Vec::with_capacity(segments.len()),
        unresolved: vec![false; segments.len()],
    };
    let mut suggestions: HashMap<&str, Option<&str>> = HashMap::new();
    // Each name's first definition, in file order, so that ties between
    // equally close names are broken the same way on every run; indexed
    // at the first unknown name only, as most files have none.
    let defined = || {
        let firsts = segments
            .iter()
            .enumerate()
            .filter(|&(i, s)| by_name.get(s.name) == Some(&i));
        Suggester::new(firsts.map(|(_, s)| s.name), Case::Keep)
    };
    let mut suggester: Option<Suggester<'_>> = None;
    for (i, segment) in segments.iter().enumerate() {
        let uses = &segment.uses;
        let targets: Vec<Option<usize>> = uses
            .iter()
            .map(|used| by_name.get(used.name).copied())
            .collect();
        for (used, target) in uses.iter().zip(&targets) {
            let name = used.name;
            if target.is_some() {
                continue;
            }
            graph.unresolved[i] = true;
            if broken.contains(name) {
                continue;
            }
            let suggestion = match suggestions.get(name) {
                Some(&suggestion) => suggestion,
                None if suggester.as_ref().map_or(0, Suggester::comparisons)
                    < MAX_SUGGESTION_COMPARISONS =>
                {
                    let suggestion = suggester.get_or_insert_with(defined).suggest(name);
                    suggestions.insert(name, suggestion);
                    suggestion
                }
                None => None,
            };
            problems.push(SegmentError::UnknownReference {
                name: name.to_owned(),
                span: used.span.into(),
                suggestion: suggestion.map(str::to_owned),
            });
        }
        graph
            .edges
            .push(targets.iter().flatten().copied().collect());
        graph.targets.push(targets);
    }
    graph
}

/// Reports each cycle (a strongly connected component with more than one
/// segment, or a segment that uses itself), labelling every `@name` that
/// joins two of its segments.
pub(super) fn report_cycles(
    segments: &[Outline],
    components: &Components,
    graph: &mut Graph,
    problems: &mut Problems,
) {
    for component in components.iter() {
        let cyclic = component.len() > 1 || graph.edges[component[0]].contains(&component[0]);
        if !cyclic {
            continue;
        }
        let members: HashSet<usize> = component.iter().copied().collect();
        let mut uses = Vec::new();
        for &member in component {
            graph.unresolved[member] = true;
            for (used, target) in segments[member].uses.iter().zip(&graph.targets[member]) {
                if target.is_some_and(|t| members.contains(&t)) {
                    let label = format!("`{}` uses `{}`", segments[member].name, used.name);
                    uses.push(LabeledSpan::new_with_span(Some(label), used.span));
                }
            }
        }
        problems.push(SegmentError::Cycle {
            names: component
                .iter()
                .map(|&m| segments[m].name.to_owned())
                .collect(),
            uses,
        });
    }
}

/// Warns at each `@name` whose segment has clauses: they do not apply
/// where it is used.
pub(super) fn warn_ignored_clauses(segments: &[Outline], graph: &Graph, problems: &mut Problems) {
    for (segment, targets) in segments.iter().zip(&graph.targets) {
        for (used, target) in segment.uses.iter().zip(targets) {
            let Some(target) = *target else {
                continue;
            };
            let clauses = &segments[target].clauses;
            if !clauses.is_empty() {
                problems.push(SegmentError::IgnoredClauses {
                    name: used.name.to_owned(),
                    use_span: used.span.into(),
                    clauses: clauses.iter().map(|&c| c.into()).collect(),
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ast;
    use crate::segment::analyse::analyse_parsed;
    use crate::segment::parse::Parsed;
    use crate::segment::testing::*;
    use miette::Diagnostic as _;

    #[test]
    fn unknown_references_suggest_a_close_name() {
        let analysis = analyse_segments(
            vec![
                segment("gmail_leads", 0, compare("email", "gmail", 20), vec![]),
                segment(
                    "fresh",
                    100,
                    and(vec![reference("gmial_leads", 120), reference("zzz", 140)]),
                    vec![],
                ),
            ],
            &context(),
        );
        let errors = segment_errors(&analysis);
        assert!(matches!(
            errors.as_slice(),
            [
                SegmentError::UnknownReference { name: a, suggestion: Some(s), .. },
                SegmentError::UnknownReference { name: b, suggestion: None, .. },
            ] if a == "gmial_leads" && s == "gmail_leads" && b == "zzz"
        ));
        assert!(analysis.segments[1].query.is_none());
    }

    /// Past the file's budget of comparisons, unknown names get no
    /// suggestion, however close; names too long to suggest for spend
    /// none of it.
    #[test]
    fn suggestions_stop_at_the_file_budget() {
        let defined: Vec<ast::Segment> = (0..1000)
            .map(|i| {
                segment(
                    &format!("seg_{i:04}"),
                    i * 10,
                    compare("id", "1", i * 10 + 5),
                    vec![],
                )
            })
            .collect();
        let long = "x".repeat(crate::schema::MAX_SUGGESTED_LEN + 1);
        let lookups = MAX_SUGGESTION_COMPARISONS / MAX_SUGGESTION_CANDIDATES;
        let mut refs: Vec<ast::Expr> = (0..50)
            .map(|i| reference(&format!("{long}{i}"), 20_000 + i * 100))
            .collect();
        // Typos of defined names, each a new lookup of a full candidate list.
        refs.extend((0..=lookups).map(|i| reference(&format!("seg_{i:04}x"), 30_000 + i * 20)));
        let mut segments = defined;
        segments.push(segment("uses", 19_000, or(refs), vec![]));
        let analysis = analyse_segments(segments, &context());
        let suggestions: Vec<Option<String>> = segment_errors(&analysis)
            .into_iter()
            .filter_map(|error| match error {
                SegmentError::UnknownReference { suggestion, .. } => Some(suggestion.clone()),
                _ => None,
            })
            .collect();
        assert_eq!(suggestions.len(), 50 + lookups + 1);
        assert!(suggestions[..50].iter().all(Option::is_none));
        assert!(suggestions[50..50 + lookups].iter().all(Option::is_some));
        assert_eq!(suggestions[50 + lookups], None);
    }

    #[test]
    fn references_to_segments_that_failed_to_parse_are_not_unknown() {
        let parsed = Parsed {
            file: ast::File {
                segments: vec![segment("a", 0, reference("broken", 20), vec![])],
            },
            problems: Vec::new(),
            broken: HashSet::from(["broken".to_owned()]),
        };
        let analysis = analyse_parsed(parsed, &context());
        assert!(segment_errors(&analysis).is_empty());
    }

    #[test]
    fn duplicates_label_both_definitions() {
        let analysis = analyse_segments(
            vec![
                segment("leads", 0, compare("tag", "Lead", 20), vec![]),
                segment("leads", 100, compare("tag", "Paid", 120), vec![]),
            ],
            &context(),
        );
        let errors = segment_errors(&analysis);
        let [SegmentError::Duplicate { again, first, .. }] = errors.as_slice() else {
            panic!("expected one duplicate, got {errors:?}");
        };
        assert_eq!((first.offset(), again.offset()), (0, 100));
    }

    #[test]
    fn cycles_label_every_use_on_the_cycle() {
        let analysis = analyse_segments(
            vec![
                segment(
                    "a",
                    0,
                    and(vec![reference("b", 20), compare("x", "1", 30)]),
                    vec![],
                ),
                segment("b", 100, reference("c", 120), vec![]),
                segment(
                    "c",
                    200,
                    or(vec![reference("a", 220), reference("d", 230)]),
                    vec![],
                ),
                segment("d", 300, compare("x", "2", 320), vec![]),
                segment("e", 400, reference("e", 420), vec![]),
                segment("f", 500, reference("a", 520), vec![]),
            ],
            &context(),
        );
        let errors = segment_errors(&analysis);
        let cycles: Vec<(&[String], Vec<usize>)> = errors
            .iter()
            .filter_map(|e| match e {
                SegmentError::Cycle { names, uses } => {
                    Some((names.as_slice(), uses.iter().map(|l| l.offset()).collect()))
                }
                _ => None,
            })
            .collect();
        assert_eq!(cycles.len(), 2, "{errors:?}");
        assert!(cycles.contains(&(
            &["a".into(), "b".into(), "c".into()][..],
            vec![20, 120, 220]
        )));
        assert!(cycles.contains(&(&["e".into()][..], vec![420])));
        // `f` uses the cycle and `d` does not: neither is an error of its own.
        assert_eq!(errors.len(), 2);
    }

    #[test]
    fn a_long_chain_is_resolved_without_recursion() {
        let n = 20_000;
        let mut segments = vec![segment("s0", 0, compare("x", "1", 1), vec![])];
        for i in 1..n {
            let previous = format!("s{}", i - 1);
            segments.push(segment(
                &format!("s{i}"),
                i * 100,
                reference(&previous, i * 100 + 10),
                vec![],
            ));
        }
        // Close the chain into one big cycle.
        segments[0].query.expr = reference(&format!("s{}", n - 1), 1);
        let analysis = analyse_segments(segments, &context());
        let errors = segment_errors(&analysis);
        assert!(
            matches!(errors.as_slice(), [SegmentError::Cycle { names, .. }] if names.len() == n)
        );
    }

    #[test]
    fn clauses_of_a_used_segment_are_a_warning() {
        let analysis = analyse_segments(
            vec![
                segment("a", 0, compare("tag", "Lead", 20), vec![limit(40)]),
                segment("b", 100, reference("a", 120), vec![]),
                segment("unused", 200, compare("tag", "Paid", 220), vec![limit(240)]),
            ],
            &context(),
        );
        let errors = segment_errors(&analysis);
        let [
            warning @ SegmentError::IgnoredClauses {
                use_span, clauses, ..
            },
        ] = errors.as_slice()
        else {
            panic!("expected one warning, got {errors:?}");
        };
        assert_eq!(warning.severity(), Some(miette::Severity::Warning));
        assert_eq!(use_span.offset(), 120);
        assert_eq!(clauses.iter().map(|c| c.offset()).collect::<Vec<_>>(), [40]);
    }

    #[test]
    fn strongly_connected_components_come_dependencies_first() {
        // 0 -> 1 -> 2 -> 1, 3 -> 0
        let components = strongly_connected(&[vec![1], vec![2], vec![1], vec![0]]);
        let components: Vec<&[usize]> = components.iter().collect();
        assert_eq!(components, [&[1, 2][..], &[0], &[3]]);
    }
}
