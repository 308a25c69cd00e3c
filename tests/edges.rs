//! The edges of the language a user can trip over without noticing (issue
//! 9, "Trust at the edges"): bare words that look like keywords, dates at
//! the ends of the calendar and between two seconds, `!= ""`, characters
//! nobody can see, and "did you mean" on huge names. Everything here goes
//! through the library as `hcq` runs it: text in, plan or diagnostics out.

use hcq::eval::Contact;
use hcq::plan::Value;
use hcq::{Error, Options, Plan, Problem};
use miette::Diagnostic;

/// 2024-06-01T00:00:00Z.
const NOW: i64 = 1_717_200_000;

fn options() -> Options {
    Options::at(jiff::Timestamp::from_second(NOW).expect("a valid timestamp"))
}

fn plan(text: &str) -> Plan {
    hcq::compile(text, &options())
        .unwrap_or_else(|e| panic!("{text:?} should compile: {e:?}"))
        .plan
}

fn error(text: &str) -> Error {
    match hcq::compile(text, &options()) {
        Ok(compiled) => panic!("{text:?} should fail, gave {:?}", compiled.plan),
        Err(error) => error,
    }
}

/// The one problem of `text`, which must fail.
fn one_problem(text: &str) -> Problem {
    let error = error(text);
    let [problem] = error.problems() else {
        panic!(
            "{text:?} should have one problem, got {:?}",
            error.problems()
        );
    };
    problem.clone()
}

fn code(problem: &impl Diagnostic) -> String {
    problem.code().map(|c| c.to_string()).unwrap_or_default()
}

fn help(problem: &impl Diagnostic) -> String {
    problem.help().map(|h| h.to_string()).unwrap_or_default()
}

fn labels(problem: &impl Diagnostic) -> Vec<String> {
    problem
        .labels()
        .into_iter()
        .flatten()
        .map(|l| l.label().unwrap_or_default().to_owned())
        .collect()
}

/// The value of the plan's only filter.
fn only_value(text: &str) -> Value {
    let plan = plan(text);
    let [request] = plan.requests.as_slice() else {
        panic!("{text:?} should need one request: {plan:?}");
    };
    let [filter] = request.filter.as_slice() else {
        panic!("{text:?} should have one filter: {plan:?}");
    };
    filter.value.clone()
}

// ---------------------------------------------------------------- bare words

/// The words of the grammar's `keyword` rule.
const KEYWORDS: [&str; 11] = [
    "and", "or", "not", "in", "sort", "by", "limit", "offset", "asc", "desc", "segment",
];

/// Each case a word may be written in.
fn spellings(word: &str) -> [String; 3] {
    let mut title = word.to_owned();
    title[..1].make_ascii_uppercase();
    [word.to_owned(), word.to_ascii_uppercase(), title]
}

#[test]
fn now_compared_with_text_is_the_text_as_written() {
    for word in spellings("now") {
        for text in [
            format!("city = {word}"),
            format!("city != {word}"),
            format!("name ~ {word}"),
        ] {
            assert_eq!(only_value(&text), Value::Text(word.clone()), "{text}");
        }
        let plan = plan(&format!("city in (Kyiv, {word})"));
        let values: Vec<_> = plan.requests[0]
            .filter
            .iter()
            .map(|f| f.value.clone())
            .collect();
        assert_eq!(
            values,
            [Value::Text("Kyiv".into()), Value::Text(word.clone())]
        );
    }
}

#[test]
fn now_compared_with_a_date_is_the_clock_in_any_case() {
    for word in spellings("now") {
        assert_eq!(
            only_value(&format!("lastSeen >= {word}")),
            Value::Number(NOW)
        );
        assert_eq!(
            only_value(&format!("lastSeen >= {word} - 1d")),
            Value::Number(NOW - 86_400)
        );
    }
}

#[test]
fn now_as_a_tag_is_refused_with_the_quoted_name() {
    for word in spellings("now") {
        for text in [format!("tag = {word}"), format!("tags = [Lead, {word}]")] {
            let problem = one_problem(&text);
            assert_eq!(code(&problem), "hcq::check::value_type", "{text}");
            assert!(
                help(&problem).contains(&format!("quote it: \"{word}\"")),
                "{text}: {}",
                help(&problem)
            );
        }
    }
}

#[test]
fn now_with_an_offset_is_never_text() {
    let problem = one_problem("city = NOW - 1d");
    assert_eq!(code(&problem), "hcq::check::value_type");
    assert!(help(&problem).contains("put them in quotes"));
}

/// Every keyword, in every case, as a text value, in an `in` list, as a
/// tag and as a date: refused where it stands, with the advice to quote
/// it, and never read as some other value.
#[test]
fn keywords_as_values_are_refused_with_advice_to_quote_them() {
    for keyword in KEYWORDS {
        for word in spellings(keyword) {
            for text in [
                format!("city = {word}"),
                format!("city != {word}"),
                format!("city in (Kyiv, {word})"),
                format!("tag = {word}"),
                format!("tags = [Lead, {word}]"),
                format!("lastSeen > {word}"),
            ] {
                let problem = one_problem(&text);
                assert_eq!(code(&problem), "hcq::parse::expected", "{text}");
                assert_eq!(labels(&problem), [format!("found `{word}`")], "{text}");
                assert_eq!(
                    help(&problem),
                    format!(
                        "`{word}` is a keyword; to compare with the word itself, quote it: \
                         `\"{word}\"`"
                    ),
                    "{text}"
                );
            }
            // Quoted, it is the text.
            assert_eq!(
                only_value(&format!("city = \"{word}\"")),
                Value::Text(word.clone())
            );
        }
    }
}

/// Words that are keywords elsewhere but not in hcq are plain words.
#[test]
fn other_keyword_like_words_are_text_as_written() {
    for word in [
        "true", "FALSE", "Null", "none", "today", "nowhere", "now_", "Now.com",
    ] {
        assert_eq!(
            only_value(&format!("city = {word}")),
            Value::Text(word.into()),
            "{word}"
        );
        assert_eq!(
            only_value(&format!("tag = {word}")),
            Value::Tags(vec![hcq::plan::Tag { name: word.into() }]),
            "{word}"
        );
        let problem = one_problem(&format!("lastSeen > {word}"));
        assert_eq!(code(&problem), "hcq::check::value_type", "{word}");
    }
}

/// `now-ish` starts like `now - 1d`: the grammar reads `now` and then
/// wants an amount; the help says how to write it as text.
#[test]
fn a_word_starting_with_now_and_a_sign_is_refused_with_advice_to_quote_it() {
    for (text, word) in [
        ("city = now-ish", "now-ish"),
        ("city = NOW+1", "NOW+1"),
        ("city = Now-", "Now-"),
    ] {
        let problem = one_problem(text);
        assert_eq!(code(&problem), "hcq::parse::expected", "{text}");
        assert!(
            help(&problem).contains(&format!("quote it: `\"{word}\"`")),
            "{text}: {}",
            help(&problem)
        );
    }
}

#[test]
fn fmt_keeps_now_as_written() {
    let limits = hcq::Limits::default();
    for (text, formatted) in [
        ("city=NOW", "city = NOW\n"),
        (
            "city = Now or lastSeen>=now",
            "city = Now or lastSeen >= now\n",
        ),
        ("lastSeen >= NOW-30d", "lastSeen >= NOW - 30d\n"),
    ] {
        let out = hcq::format::format_query("<expression>", text, &limits)
            .unwrap_or_else(|e| panic!("{text:?} should format: {e:?}"));
        assert_eq!(out, formatted);
        // Formatting changes no value: the same plan before and after.
        assert_eq!(plan(text), plan(&out), "{text}");
    }
    let file = "segment shouting\n  city = NOW\n";
    let out = hcq::format::format_file("f.hcq", file, &limits).expect("formats");
    assert_eq!(out, file);
}

// ---------------------------------------------------------------- dates

/// Contacts seen at 09:59:59, 10:00:00, 10:00:01 and 10:00:02 on
/// 2024-01-01, by their offset in seconds from 10:00:00.
fn seen_around_ten() -> Vec<Contact> {
    (-1..=2)
        .map(|offset| Contact {
            id: 100 + offset,
            last_seen: TEN + offset,
            ..Contact::default()
        })
        .collect()
}

/// 2024-01-01T10:00:00Z.
const TEN: i64 = 1_704_103_200;

/// The offsets from 10:00:00 of the contacts `text`'s plan selects.
fn selected(text: &str, contacts: &[Contact]) -> Vec<i64> {
    let mut offsets: Vec<i64> = hcq::eval::run_plan(&plan(text), contacts)
        .iter()
        .map(|c| c.last_seen - TEN)
        .collect();
    offsets.sort_unstable();
    offsets
}

/// `lastSeen OP 10:00:00.5` selects exactly the whole seconds `t` for
/// which `t OP 10:00:00.5` holds as real numbers.
#[test]
fn fractions_of_a_second_select_exactly_the_contacts_they_say() {
    let contacts = seen_around_ten();
    for (op, holds) in [
        (">=", (|t: f64| t >= 0.5) as fn(f64) -> bool),
        (">", |t| t > 0.5),
        ("<", |t| t < 0.5),
        ("<=", |t| t <= 0.5),
    ] {
        let want: Vec<i64> = (-1..=2).filter(|&t| holds(t as f64)).collect();
        for text in [
            format!("lastSeen {op} 2024-01-01T10:00:00.5Z"),
            format!("lastSeen {op} 2024-01-01T12:00:00.5+02:00"),
            format!("not lastSeen {} 2024-01-01T10:00:00.5Z", negated(op)),
        ] {
            assert_eq!(selected(&text, &contacts), want, "{text}");
        }
    }
    // Whole seconds keep their meaning: the contact seen at 10:00:00 is in.
    assert_eq!(
        selected("lastSeen >= 2024-01-01T10:00:00Z", &contacts),
        [0, 1, 2]
    );
}

fn negated(op: &str) -> &'static str {
    match op {
        ">=" => "<",
        ">" => "<=",
        "<" => ">=",
        "<=" => ">",
        other => panic!("no negation for {other}"),
    }
}

#[test]
fn equality_with_a_fraction_of_a_second_is_refused() {
    for text in [
        "lastSeen = 2024-01-01T10:00:00.5Z",
        "lastSeen != 2024-01-01T10:00:00.5Z",
        "lastSeen in (2024-01-01, 2024-01-01T10:00:00.5Z)",
        "lastSeen not in (2024-01-01T10:00:00.001Z)",
    ] {
        let problem = one_problem(text);
        assert_eq!(code(&problem), "hcq::check::fractional_second", "{text}");
        assert_eq!(labels(&problem), ["between two whole seconds"]);
    }
    // Zeros after the point are a whole second.
    assert_eq!(
        selected("lastSeen = 2024-01-01T10:00:00.000Z", &seen_around_ten()),
        [0]
    );
}

/// A bare date is midnight UTC: `=` is that one second, not the day.
#[test]
fn a_bare_date_is_one_second_at_midnight_utc() {
    let midnight = 1_704_067_200;
    assert_eq!(only_value("lastSeen = 2024-01-01"), Value::Number(midnight));
    let contacts: Vec<Contact> = [0, 1, 3_600, 86_399]
        .into_iter()
        .map(|offset| Contact {
            id: offset,
            last_seen: midnight + offset,
            ..Contact::default()
        })
        .collect();
    let ids = |text: &str| -> Vec<i64> {
        let mut ids: Vec<i64> = hcq::eval::run_plan(&plan(text), &contacts)
            .iter()
            .map(|c| c.id)
            .collect();
        ids.sort_unstable();
        ids
    };
    assert_eq!(ids("lastSeen = 2024-01-01"), [0]);
    assert_eq!(
        ids("lastSeen >= 2024-01-01 and lastSeen < 2024-01-02"),
        [0, 1, 3_600, 86_399]
    );
}

#[test]
fn utc_offsets_past_23_59_are_refused_at_the_value() {
    for (text, value) in [
        (
            "lastSeen >= 2024-01-01T10:00:00+25:00",
            "2024-01-01T10:00:00+25:00",
        ),
        (
            "lastSeen >= 2024-01-01T10:00:00-24:00",
            "2024-01-01T10:00:00-24:00",
        ),
        (
            "lastSeen >= 2024-01-01T10:00:00+05:60",
            "2024-01-01T10:00:00+05:60",
        ),
    ] {
        let error = error(text);
        let [problem] = error.problems() else {
            panic!("{text}: one problem expected");
        };
        assert_eq!(code(problem), "hcq::check::invalid_datetime");
        let label = problem
            .labels()
            .into_iter()
            .flatten()
            .next()
            .expect("a label");
        assert_eq!(&text[label.offset()..label.offset() + label.len()], value);
        assert!(
            label
                .label()
                .is_some_and(|l| l.contains("offsets go from -23:59 to +23:59"))
        );
    }
    // The largest offsets are fine.
    assert_eq!(
        only_value("lastSeen = 2024-01-01T23:59:00+23:59"),
        Value::Number(1_704_067_200)
    );
}

/// Words of the date library's own messages: none may reach a user.
const LIBRARY_WORDS: [&str; 6] = [
    "parameter",
    "civil",
    "unparsed",
    "failed to",
    "overflow",
    "required range",
];

#[test]
fn dates_at_the_ends_of_the_calendar_get_hcq_messages() {
    for text in [
        "lastSeen < 10000-01-01",
        "lastSeen < 99999-12-31T00:00:00Z",
        "lastSeen > -0001-01-01",
        "lastSeen > now + 100000000d",
        "lastSeen > now - 100000000d",
        "lastSeen > now + 9999999999999w",
        "lastSeen > 2024-01-01T10:00:00.5Z and lastSeen = 2024-01-01T10:00:00.25Z",
        "lastSeen > 2024-01-01T10:00:00+99:99",
        "lastSeen > 2024-01-01T10:00:99Z",
        "lastSeen > 2024-02-30",
    ] {
        let error = error(text);
        for problem in error.problems() {
            let mut words = vec![problem.to_string(), help(problem)];
            words.extend(labels(problem));
            for word in &words {
                assert!(
                    !LIBRARY_WORDS
                        .iter()
                        .any(|w| word.to_lowercase().contains(w)),
                    "{text}: {word}"
                );
            }
            assert!(code(problem).starts_with("hcq::check::"), "{text}");
        }
    }
    // The last second of 9999 in the westernmost offset still has a number.
    assert_eq!(
        only_value("lastSeen <= 9999-12-31T23:59:59-23:59"),
        Value::Number(253_402_300_799 + 86_340)
    );
    assert_eq!(
        only_value("lastSeen < 9999-12-31"),
        Value::Number(253_402_214_400)
    );
}

// ---------------------------------------------------------------- `!= ""`

/// The warnings of compiling `text` (which must compile).
fn warnings(text: &str) -> Vec<hcq::lower::LowerWarning> {
    hcq::compile_detailed(text, &options())
        .unwrap_or_else(|e| panic!("{text:?} should compile: {e:?}"))
        .lowered
        .warnings
}

fn contact(id: i64, telegram: Option<&str>) -> Contact {
    Contact {
        id,
        last_seen: NOW - id,
        telegram_id: telegram.map(str::to_owned),
        ..Contact::default()
    }
}

/// What the warning says, checked against the evaluator of the semantics
/// the plans rely on: `!= ""` takes the contacts without the field too,
/// `!~ ""` only those, and `~ ""` is the test for "has the field".
#[test]
fn negated_empty_text_warns_and_means_what_the_warning_says() {
    let contacts = [
        contact(1, Some("ann")),
        contact(2, None),
        contact(3, Some("")),
        contact(4, None),
    ];
    let ids = |text: &str| -> Vec<i64> {
        let mut ids: Vec<i64> = hcq::eval::run_plan(&plan(text), &contacts)
            .iter()
            .map(|c| c.id)
            .collect();
        ids.sort_unstable();
        ids
    };
    assert_eq!(ids("telegramId != \"\""), [1, 2, 4]);
    assert_eq!(ids("telegramId !~ \"\""), [2, 4]);
    assert_eq!(ids("telegramId ~ \"\""), [1, 3]);
    assert_eq!(ids("not telegramId ~ \"\""), [2, 4]);

    for (text, op, label) in [
        (
            "telegramId != \"\"",
            "!=",
            "also every contact without this field",
        ),
        (
            "customers.telegramId !~ \"\"",
            "!~",
            "only contacts without this field",
        ),
    ] {
        let [warning] = warnings(text).try_into().unwrap_or_else(|w| {
            panic!("{text}: one warning expected, got {w:?}");
        });
        assert_eq!(code(&warning), "hcq::lower::empty_text_negation");
        assert_eq!(labels(&warning), [label]);
        assert!(
            warning
                .to_string()
                .starts_with(&format!("`telegramId {op} \"\"`"))
        );
        assert!(
            help(&warning).contains("write `telegramId ~ \"\"`"),
            "{}",
            help(&warning)
        );
    }
    for quiet in [
        "telegramId ~ \"\"",
        "not telegramId ~ \"\"",
        "telegramId != x",
        "telegramId !~ \" \"",
    ] {
        assert!(warnings(quiet).is_empty(), "{quiet}");
    }
}

/// A segment file carries the warning, once, however many segments use
/// the one that has it; the example file has none.
#[test]
fn segment_files_carry_the_warning_once() {
    let text = "segment tg\n  telegramId != \"\"\n\nsegment a\n  @tg and id > 1\n\nsegment b\n  @tg or @a\n";
    let compiled = hcq::segment::check_file("f.hcq", text, &options()).expect("checks");
    let warnings = compiled.warnings().expect("a warning");
    let codes: Vec<String> = warnings.problems().iter().map(code).collect();
    assert_eq!(codes, ["hcq::lower::empty_text_negation"]);
    assert!(!warnings.has_errors());

    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/segments.hcq");
    let example = std::fs::read_to_string(path).expect("the example");
    let compiled = hcq::segment::check_file(path, &example, &options()).expect("checks");
    assert!(compiled.warnings().is_none());
    assert!(example.contains("telegramId ~ \"\""));
}

// ---------------------------------------------------------------- characters

/// Each invisible character, wherever it stands, is named by code point
/// and name, and the label covers exactly it.
#[test]
fn invisible_characters_are_named_by_code_point() {
    for (c, name) in [
        ('\u{A0}', "U+00A0 NO-BREAK SPACE"),
        ('\u{200B}', "U+200B ZERO WIDTH SPACE"),
        ('\u{0}', "U+0000 NULL"),
        ('\u{7}', "U+0007 BELL"),
        ('\u{B}', "U+000B LINE TABULATION"),
        ('\u{7F}', "U+007F DELETE"),
        ('\u{85}', "U+0085 NEXT LINE"),
        ('\u{90}', "U+0090 (a control character)"),
        ('\u{AD}', "U+00AD SOFT HYPHEN"),
        ('\u{2003}', "U+2003 EM SPACE"),
        ('\u{2028}', "U+2028 LINE SEPARATOR"),
        ('\u{202E}', "U+202E RIGHT-TO-LEFT OVERRIDE"),
        ('\u{2060}', "U+2060 WORD JOINER"),
        ('\u{3000}', "U+3000 IDEOGRAPHIC SPACE"),
        ('\u{FEFF}', "U+FEFF ZERO WIDTH NO-BREAK SPACE"),
        ('\u{E0041}', "U+E0041 (an invisible formatting character)"),
    ] {
        for text in [
            format!("city{c}= Kyiv"),
            format!("city = Kyiv{c}"),
            format!("city ={c} Kyiv"),
            format!("city = Kyiv and{c} id > 1"),
            format!("city in (Kyiv,{c} Lviv)"),
        ] {
            let problem = one_problem(&text);
            // The code of every text that does not follow the grammar.
            assert_eq!(code(&problem), "hcq::parse::expected", "{text:?}");
            assert!(matches!(
                problem,
                Problem::Parse(hcq::syntax::ParseError::InvisibleCharacter { .. })
            ));
            assert_eq!(
                problem.to_string(),
                format!("unexpected character {name}"),
                "{text:?}"
            );
            let label = problem
                .labels()
                .into_iter()
                .flatten()
                .next()
                .expect("a label");
            assert_eq!(
                &text[label.offset()..label.offset() + label.len()],
                c.to_string(),
                "{text:?}"
            );
            assert!(!help(&problem).is_empty());
        }
    }
    // In a segment file too.
    let file = "segment a\n  city\u{A0}= Kyiv\n\nsegment b\n  id > 1\u{200B}\n";
    let error = hcq::segment::check_file("f.hcq", file, &options()).expect_err("two problems");
    let messages: Vec<String> = error.problems().iter().map(|p| p.to_string()).collect();
    assert_eq!(
        messages,
        [
            "unexpected character U+00A0 NO-BREAK SPACE",
            "unexpected character U+200B ZERO WIDTH SPACE"
        ]
    );
}

/// Characters that are visible, or blanks of the grammar, keep their
/// usual messages; inside quotes any character is text.
#[test]
fn visible_characters_and_quoted_ones_are_no_invisible_characters() {
    for text in ["city = Kyiv $", "city = Kyiv\t$", "city = Kyiv é$"] {
        assert_eq!(code(&one_problem(text)), "hcq::parse::expected", "{text}");
    }
    for c in ['\u{A0}', '\u{200B}', '\u{0}', '\u{FEFF}', '\u{201C}'] {
        assert_eq!(
            only_value(&format!("city = \"Ky{c}iv\"")),
            Value::Text(format!("Ky{c}iv"))
        );
    }
    // A byte order mark at the very start is fine.
    assert_eq!(
        only_value("\u{FEFF}city = Kyiv"),
        Value::Text("Kyiv".into())
    );
}

#[test]
fn typographic_quotes_are_told_to_be_straight() {
    for (text, quote, example) in [
        ("name = \u{201C}Ann Lee\u{201D}", '\u{201C}', "\"Ann Lee\""),
        ("email ~ \u{201E}gmail\u{201C}", '\u{201E}', "\"gmail\""),
        ("city in (Kyiv, \u{AB}Lviv\u{BB})", '\u{AB}', "\"Lviv\""),
        ("tags = [\u{2018}beta\u{2019}]", '\u{2018}', "\"beta\""),
        ("name = O\u{2019}Brien", '\u{2019}', "\"O\u{2019}Brien\""),
        ("city = Kyiv\u{201D}", '\u{201D}', "\"Kyiv\""),
        ("name = \u{FF02}Ann\u{FF02}", '\u{FF02}', "\"Ann\""),
        ("name = \u{201C}a\\b\u{201D}", '\u{201C}', "\"a\\\\b\""),
        (
            "name = \u{201C}a\"b\"c\u{201D}",
            '\u{201C}',
            "\"a\\\"b\\\"c\"",
        ),
        ("name = \u{201C}unclosed", '\u{201C}', "\"Ann Lee\""),
    ] {
        let problem = one_problem(text);
        assert_eq!(code(&problem), "hcq::parse::expected", "{text}");
        let [label] = labels(&problem).try_into().expect("one label");
        assert!(
            label.starts_with(&format!("found `{quote}` (U+")),
            "{label}"
        );
        assert_eq!(
            help(&problem),
            format!(
                "`{quote}` is a typographic quotation mark, not a quote to hcq: quote text \
                 with the straight `\"` instead, as in `{example}`"
            ),
            "{text}"
        );
    }
}

// ---------------------------------------------------------------- did you mean

/// `count` distinct names of `len` letters, from a fixed seed.
fn long_names(count: usize, len: usize) -> Vec<String> {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..count)
        .map(|_| {
            (0..len)
                .map(|_| {
                    // xorshift: any fixed sequence of letters will do.
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    char::from(b'a' + (state % 26) as u8)
                })
                .collect()
        })
        .collect()
}

/// 300 references of 4 KB each to segments that do not exist, among
/// 3,000 segments that do: every reference is reported, and the run ends
/// at once. Comparing every long name with every segment, as "did you
/// mean" once did, took about a minute here; `schema::Suggester` bounds
/// each lookup (its own tests count the comparisons), so this takes well
/// under a second even in a debug build.
#[test]
fn unknown_long_references_among_many_segments_are_reported_quickly() {
    let mut text = String::new();
    for (i, name) in long_names(300, 4096).iter().enumerate() {
        text.push_str(&format!("segment broken_{i}\n  @{name} and id > {i}\n\n"));
    }
    for i in 0..3000 {
        text.push_str(&format!("segment seg_{i:05}\n  id > {i}\n\n"));
    }
    // A short typo still gets its suggestion.
    text.push_str("segment typo\n  @seg_0042 or @seg_00042\n");
    assert!(text.len() > 1_200_000);
    let error = hcq::segment::check_file("long.hcq", &text, &options()).expect_err("unknown names");
    let problems = error.problems();
    assert_eq!(problems.len(), 301);
    assert!(
        problems
            .iter()
            .all(|p| code(p) == "hcq::segment::unknown_reference")
    );
    let helps: Vec<String> = problems.iter().map(help).collect();
    assert!(
        helps[..300]
            .iter()
            .all(|h| h == &helps[0] && !h.contains("did you mean")),
        "{}",
        helps[0]
    );
    assert_eq!(helps[300], "did you mean `@seg_00042`?");
}
