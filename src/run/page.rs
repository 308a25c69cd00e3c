//! One page of the API's answer, `{"data": [...], "total": N}`, read into
//! rows that keep each contact's JSON text exactly as it arrived.

use crate::eval::Contact;
use serde::Deserialize;
use serde::de::IgnoredAny;

/// A contact as the API sent it: its JSON text, byte for byte, and the
/// contact read from that text.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Row {
    /// The contact's JSON text as it arrived, for printing unchanged.
    pub raw: String,
    /// The contact, parsed.
    pub contact: Contact,
}

/// A page read: its rows in the order the API sent them, and `total`
/// (the matches of the whole request) when the answer has it.
#[derive(Debug)]
pub(crate) struct Page {
    pub(crate) rows: Vec<Row>,
    pub(crate) total: Option<u64>,
}

#[derive(Deserialize)]
struct Shape {
    data: Vec<IgnoredAny>,
    #[serde(default)]
    total: Option<u64>,
}

/// Reads a 2xx answer's body. The error says, in words, what is wrong
/// with it (it ends up in a "gave up" diagnostic if it keeps happening).
pub(crate) fn read(body: &str) -> Result<Page, String> {
    // serde checks the whole shape first, so the scan below walks text
    // known to be valid JSON with a `data` array at the top.
    let shape: Shape =
        serde_json::from_str(body).map_err(|e| format!("the answer is not a page: {e}"))?;
    let data = top_level_value(body, "data").ok_or("the answer has no `data` array")?;
    let raws = array_elements(data).ok_or("`data` is not an array")?;
    debug_assert_eq!(raws.len(), shape.data.len());
    let rows = raws
        .into_iter()
        .map(|raw| {
            let contact = serde_json::from_str(raw)
                .map_err(|e| format!("a contact in the answer is not readable: {e}"))?;
            Ok(Row {
                raw: raw.to_owned(),
                contact,
            })
        })
        .collect::<Result<_, String>>()?;
    Ok(Page {
        rows,
        total: shape.total,
    })
}

/// The length of the JSON value at the start of `text` (after
/// whitespace): serde_json's stream reader stops right after one value
/// and says where, so no hand-written JSON scanner is needed.
fn value_len(text: &str) -> Option<usize> {
    let mut stream = serde_json::Deserializer::from_str(text).into_iter::<IgnoredAny>();
    stream.next()?.ok()?;
    Some(stream.byte_offset())
}

fn skip_ws(text: &str) -> &str {
    text.trim_start_matches([' ', '\t', '\n', '\r'])
}

/// The text of the value under `key` in the object `text` holds, the
/// last one if the key repeats (as serde reads it).
fn top_level_value<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    let mut rest = skip_ws(text).strip_prefix('{')?;
    let mut found = None;
    loop {
        rest = skip_ws(rest);
        if rest.starts_with('}') {
            return found;
        }
        let key_len = value_len(rest)?;
        let name: String = serde_json::from_str(&rest[..key_len]).ok()?;
        rest = skip_ws(skip_ws(&rest[key_len..]).strip_prefix(':')?);
        let len = value_len(rest)?;
        if name == key {
            found = Some(&rest[..len]);
        }
        rest = skip_ws(&rest[len..]);
        rest = rest.strip_prefix(',').unwrap_or(rest);
    }
}

/// The texts of the elements of the array `text` holds.
fn array_elements(text: &str) -> Option<Vec<&str>> {
    let mut rest = skip_ws(text).strip_prefix('[')?;
    let mut elements = Vec::new();
    loop {
        rest = skip_ws(rest);
        if rest.starts_with(']') {
            return Some(elements);
        }
        let len = value_len(rest)?;
        elements.push(&rest[..len]);
        rest = skip_ws(&rest[len..]);
        rest = rest.strip_prefix(',').unwrap_or(rest);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_keep_their_text_and_timestamps_may_be_strings() {
        let body = r#" { "total" : 2, "data" : [
            {"id": 1, "lastSeen": "1700000000", "name": "A \"quoted\" ]}, name"} ,
            {"lastSeen":5,"id":2,"extra":[1,{"x":"}"}]}
        ] } "#;
        let page = read(body).unwrap();
        assert_eq!(page.total, Some(2));
        assert_eq!(
            page.rows[0].raw,
            r#"{"id": 1, "lastSeen": "1700000000", "name": "A \"quoted\" ]}, name"}"#
        );
        assert_eq!(page.rows[0].contact.last_seen, 1_700_000_000);
        assert_eq!(
            page.rows[1].raw,
            r#"{"lastSeen":5,"id":2,"extra":[1,{"x":"}"}]}"#
        );
        assert_eq!(page.rows[1].contact.id, 2);
    }

    #[test]
    fn a_page_without_total_or_with_an_empty_data_reads() {
        let page = read(r#"{"data": []}"#).unwrap();
        assert!(page.rows.is_empty());
        assert_eq!(page.total, None);
    }

    #[test]
    fn broken_answers_say_what_is_wrong() {
        assert!(
            read(r#"{"data": [{"id": 1, "lastSeen": 1}"#)
                .unwrap_err()
                .contains("not a page")
        );
        assert!(read(r#"{"total": 3}"#).unwrap_err().contains("not a page"));
        assert!(
            read(r#"{"data": [{"id": "x", "lastSeen": 1}]}"#)
                .unwrap_err()
                .contains("not readable")
        );
        let error = read(r#"{"data": [{"id": 1}]}"#).unwrap_err();
        assert!(error.contains("not readable"), "{error}");
    }
}
