//! Simplification within one term and across terms.

use super::*;

#[test]
fn duplicate_filters_go() {
    let (terms, rules) = simplified(&[&["email ~ gmail", "id > 5", "email ~ gmail"]]);
    assert_eq!(terms, ["email ~ \"gmail\" and id > 5"]);
    assert_eq!(rules, [Rule::DuplicateFilter]);
}

#[test]
fn ranges_on_one_field_merge() {
    let cases: &[(&[&str], &str)] = &[
        (&["id > 5", "id > 10"], "id > 10"),
        (&["id > 10", "id > 5"], "id > 10"),
        (&["id < 5", "id <= 3"], "id <= 3"),
        (&["id >= 10", "id <= 10"], "id = 10"),
        (&["id = 7", "id > 3"], "id = 7"),
        (&["id > 3", "id = 7"], "id = 7"),
        (&["id != 7", "id > 10"], "id > 10"),
        (&["id >= 10", "id != 10"], "id > 10"),
        (&["id <= 10", "id != 10", "id != 9"], "id < 9"),
        (
            &["id > 5", "id < 10", "id != 7"],
            "id > 5 and id < 10 and id != 7",
        ),
        (&["id > 5", "id < 7"], "id = 6"),
        (&["id >= 5", "id > 4"], "id >= 5"),
        (
            &["lastSeen >= 100", "lastSeen < 200", "lastSeen > 150"],
            "lastSeen > 1970-01-01T00:02:30Z and lastSeen < 1970-01-01T00:03:20Z",
        ),
    ];
    for (term, expected) in cases {
        let (terms, _) = simplified(&[term]);
        assert_eq!(terms, [*expected], "{term:?}");
    }
}

#[test]
fn ranges_keep_the_field_where_it_first_appears() {
    let (terms, rules) = simplified(&[&["id > 5", "email ~ gmail", "id > 10", "city = Kyiv"]]);
    assert_eq!(terms, ["id > 10 and email ~ \"gmail\" and city = \"Kyiv\""]);
    assert_eq!(rules, [Rule::ImpliedFilter]);
}

#[test]
fn a_merged_equality_is_recorded_as_a_range_rewrite() {
    let (_, rules) = simplified(&[&["id >= 10", "id <= 10"]]);
    assert_eq!(rules, [Rule::RangeRewritten]);
}

#[test]
fn impossible_terms_go() {
    let impossible: &[&[&str]] = &[
        &["id > 10", "id < 5"],
        &["id = 1", "id = 2"],
        &["lastSeen = 1", "lastSeen = 2"],
        &["id = 7", "id != 7"],
        &["id >= 7", "id <= 7", "id != 7"],
        &["id > 9223372036854775807"],
        &["id < -9223372036854775808"],
        &["email = a", "email != a"],
        &["email ~ a", "email !~ a"],
        &["city != Kyiv", "id > 3", "city = Kyiv"],
    ];
    for term in impossible {
        let (terms, rules) = simplified(&[term, &["name = keep"]]);
        assert_eq!(terms, ["name = \"keep\""], "{term:?}");
        assert_eq!(rules, [Rule::Contradiction], "{term:?}");
    }
}

#[test]
fn different_strings_are_not_assumed_to_differ() {
    // Whether "a" equals "A" is the API's business: keep both.
    let (terms, rules) = simplified(&[&["email = a", "email = b"]]);
    assert_eq!(terms, ["email = \"a\" and email = \"b\""]);
    assert!(rules.is_empty());
    let (terms, _) = simplified(&[&["email = A"], &["email = a"]]);
    assert_eq!(terms.len(), 2);
    let (terms, _) = simplified(&[&["email = gmail", "email !~ mail"]]);
    assert_eq!(terms.len(), 1);
}

#[test]
fn tag_tests_of_one_term_merge() {
    let (terms, rules) =
        simplified(&[&["tags = Lead", "id > 1", "tags = Paid, Lead", "tags = VIP"]]);
    assert_eq!(terms, ["tags = [Lead, Paid, VIP] and id > 1"]);
    assert_eq!(rules, [Rule::TagsMerged]);
    let (terms, _) = simplified(&[&["tags = Lead, Lead"]]);
    assert_eq!(terms, ["tags = [Lead]"]);
}

#[test]
fn absorption() {
    let (terms, rules) = simplified(&[&["email ~ a"], &["email ~ a", "id > 1"]]);
    assert_eq!(terms, ["email ~ \"a\""]);
    assert_eq!(rules, [Rule::SubsumedTerm]);
    // The more general term may come second.
    let (terms, _) = simplified(&[
        &["email ~ a", "id > 1", "city = K"],
        &["city = K", "email ~ a"],
    ]);
    assert_eq!(terms, ["city = \"K\" and email ~ \"a\""]);
}

#[test]
fn range_implication_absorbs() {
    let (terms, _) = simplified(&[&["id > 500"], &["id > 1000"]]);
    assert_eq!(terms, ["id > 500"]);
    let (terms, _) = simplified(&[&["id > 1000"], &["id > 500"]]);
    assert_eq!(terms, ["id > 500"]);
    let (terms, _) = simplified(&[&["id = 7", "email ~ a"], &["id > 3", "id != 9"]]);
    assert_eq!(terms, ["id > 3 and id != 9"]);
    let (terms, _) = simplified(&[&["id != 7"], &["id = 8", "city = K"]]);
    assert_eq!(terms, ["id != 7"]);
    // id != 7 or (id = 7 and city = K) is id != 7 or city = K
    let (terms, _) = simplified(&[&["id != 7"], &["id = 7", "city = K"]]);
    assert_eq!(terms, ["id != 7", "city = \"K\""]);
}

#[test]
fn tag_sets_absorb() {
    let (terms, _) = simplified(&[&["tags = A, B"], &["tags = A"]]);
    assert_eq!(terms, ["tags = [A]"]);
    let (terms, _) = simplified(&[&["tags = A"], &["tags = B"]]);
    assert_eq!(terms.len(), 2);
}

#[test]
fn identical_terms_go() {
    let (terms, rules) = simplified(&[&["email ~ a", "id > 1"], &["id > 1", "email ~ a"]]);
    assert_eq!(terms, ["email ~ \"a\" and id > 1"]);
    assert_eq!(rules, [Rule::DuplicateTerm]);
}

#[test]
fn complementary_terms_merge() {
    // (a and b) or (a and not b) is a
    let (terms, rules) = simplified(&[&["city = K", "email ~ g"], &["city = K", "email !~ g"]]);
    assert_eq!(terms, ["city = \"K\""]);
    assert!(rules.contains(&Rule::Complement), "{rules:?}");
    // a or (not a and b) is a or b
    let (terms, _) = simplified(&[&["email ~ g"], &["email !~ g", "city = K"]]);
    assert_eq!(terms, ["email ~ \"g\"", "city = \"K\""]);
    // but not when the rest differs: (a and b) or (c and not b)
    let (terms, _) = simplified(&[&["city = K", "email ~ g"], &["name = N", "email !~ g"]]);
    assert_eq!(terms.len(), 2);
}

#[test]
fn ranges_join_across_terms() {
    let (terms, rules) = simplified(&[&["city = K", "id < 10"], &["city = K", "id >= 10"]]);
    assert_eq!(terms, ["city = \"K\""]);
    assert!(rules.contains(&Rule::RangeUnion));
    let (terms, _) = simplified(&[
        &["city = K", "id > 5", "id < 10"],
        &["city = K", "id > 8", "id < 20"],
    ]);
    assert_eq!(terms, ["city = \"K\" and id > 5 and id < 20"]);
    // a or (not a and b) with a number: id > 5 or (id <= 5 and city = K)
    let (terms, _) = simplified(&[&["id > 5"], &["id <= 5", "city = K"]]);
    assert_eq!(terms, ["id > 5", "city = \"K\""]);
    // ranges that do not touch stay apart
    let (terms, _) = simplified(&[&["id < 5"], &["id > 10"]]);
    assert_eq!(terms, ["id < 5", "id > 10"]);
    // two single comparisons share a request; joined they would need one more
    let (terms, _) = simplified(&[&["id = 1"], &["id = 2"], &["email ~ a"]]);
    assert_eq!(terms, ["id = 1", "id = 2", "email ~ \"a\""]);
    let (terms, _) = simplified(&[&["id = 1", "email ~ a"], &["id = 2", "email ~ a"]]);
    assert_eq!(terms, ["id >= 1 and id <= 2 and email ~ \"a\""]);
    let (terms, _) = simplified(&[&["id = 4"], &["id >= 5"]]);
    assert_eq!(terms, ["id >= 4"]);
}

#[test]
fn always_true_becomes_one_term_without_filters() {
    for terms in [
        &[&["id > 5"][..], &["id <= 5"][..]][..],
        &[&["id < 10"], &["id > 5"]],
        &[&["email = a"], &["email != a"]],
        &[&["id != 3"], &["id = 3"]],
        &[&["id >= -9223372036854775808"]],
    ] {
        let (out, rules) = simplified(terms);
        assert_eq!(out, ["(no condition)"], "{terms:?}");
        assert!(rules.contains(&Rule::AlwaysTrue), "{terms:?}");
    }
}

#[test]
fn never_matching_leaves_no_term() {
    let (out, _) = simplified(&[&["id > 10", "id < 5"], &["email = a", "email != a"]]);
    assert!(out.is_empty());
}
