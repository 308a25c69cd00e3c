//! The VS Code extension (`editors/vscode/`) against the language: its
//! TextMate grammar highlights exactly the keywords and comparison
//! operators of `grammar/hcq.pest`, so the two cannot drift, and its JSON
//! files parse and point at each other.

use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;

fn read(path: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap()
}

fn json(path: &str) -> Value {
    serde_json::from_str(&read(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The pest grammar's case-insensitive literals (`^"and"`): its keywords.
fn pest_keywords(pest: &str) -> BTreeSet<String> {
    pest.lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .flat_map(|line| line.split("^\"").skip(1))
        .map(|rest| rest.split('"').next().unwrap().to_owned())
        .collect()
}

/// The literals of the rule `compare_op`.
fn pest_operators(pest: &str) -> BTreeSet<String> {
    let rule = pest
        .lines()
        .find(|line| line.starts_with("compare_op "))
        .expect("a rule compare_op");
    rule.split('"')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

/// Every `match` pattern of the grammar's repository, recursively.
fn patterns(value: &Value, out: &mut Vec<(String, String)>, entry: &str) {
    match value {
        Value::Object(map) => {
            for (key, value) in map {
                if let ("match", Value::String(pattern)) = (key.as_str(), value) {
                    out.push((entry.to_owned(), pattern.clone()));
                }
                let entry = if entry.is_empty() { key } else { entry };
                patterns(value, out, entry);
            }
        }
        Value::Array(items) => items.iter().for_each(|item| patterns(item, out, entry)),
        _ => {}
    }
}

/// The words of every `\b(?:a|b|c)\b` group in `pattern`.
fn keyword_groups(pattern: &str) -> Vec<String> {
    pattern
        .split("\\b(?:")
        .skip(1)
        .map(|rest| rest.split(")\\b").next().unwrap())
        .flat_map(|group| group.split('|'))
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_textmate_grammar_has_the_languages_keywords_and_operators() {
    let pest = read("grammar/hcq.pest");
    let grammar = json("editors/vscode/syntaxes/hcq.tmLanguage.json");
    let mut all = Vec::new();
    patterns(&grammar["repository"], &mut all, "");
    let keywords: BTreeSet<String> = all
        .iter()
        .flat_map(|(_, pattern)| keyword_groups(pattern))
        .collect();
    let expected = pest_keywords(&pest);
    assert_eq!(expected.len(), 13, "{expected:?}");
    assert_eq!(keywords, expected);

    let operators: Vec<&str> = grammar["repository"]["operators"]["match"]
        .as_str()
        .unwrap()
        .split('|')
        .collect();
    let set: BTreeSet<String> = operators.iter().map(|op| (*op).to_owned()).collect();
    assert_eq!(set, pest_operators(&pest));
    // An alternation takes the first that matches: `>=` before `>`.
    for (i, op) in operators.iter().enumerate() {
        for longer in &operators[i + 1..] {
            assert!(!longer.starts_with(op), "{longer} after {op}");
        }
    }
}

#[test]
fn the_extension_declares_the_language_grammar_and_server_path() {
    let package = json("editors/vscode/package.json");
    let contributes = &package["contributes"];
    assert_eq!(contributes["languages"][0]["id"], "hcq");
    assert_eq!(contributes["languages"][0]["extensions"][0], ".hcq");
    let grammar_path = contributes["grammars"][0]["path"].as_str().unwrap();
    let grammar = json(&format!("editors/vscode/{grammar_path}"));
    assert_eq!(
        contributes["grammars"][0]["scopeName"],
        grammar["scopeName"]
    );
    let configuration = contributes["languages"][0]["configuration"]
        .as_str()
        .unwrap();
    let language = json(&format!("editors/vscode/{configuration}"));
    assert_eq!(language["comments"]["lineComment"], "#");
    assert_eq!(
        contributes["configuration"]["properties"]["hcq.path"]["default"],
        "hcq"
    );
    let main = package["main"].as_str().unwrap();
    let client = read(&format!("editors/vscode/{main}"));
    assert!(client.contains("args: [\"lsp\"]"));
    assert!(client.contains("get(\"path\")"));
}
