//! One page of the API's answer, `{"data": [...], "total": N}`, read into
//! rows that keep each contact's JSON text exactly as it arrived.

use crate::eval::Contact;
use crate::json::{self, Json};

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

/// Reads a 2xx answer's body. The error says, in words, what is wrong
/// with it (it ends up in a "gave up" diagnostic if it keeps happening).
pub(crate) fn read(body: &str) -> Result<Page, String> {
    let not_a_page = |why: &str| format!("the answer is not a page: {why}");
    let node = json::read(body).map_err(|malformed| not_a_page(&malformed.message))?;
    let Json::Object(members) = &node.value else {
        return Err(not_a_page("it is not a JSON object"));
    };
    // The last of a key written twice, as serde reads it.
    let member = |key: &str| {
        members
            .iter()
            .rev()
            .find(|m| m.key == key)
            .map(|m| &m.value)
    };
    let total = match member("total").map(|total| &total.value) {
        None | Some(Json::Null) => None,
        Some(Json::Number(n)) => Some(
            n.as_u64()
                .ok_or_else(|| not_a_page("`total` is not a count"))?,
        ),
        Some(_) => return Err(not_a_page("`total` is not a count")),
    };
    let data = member("data").ok_or_else(|| not_a_page("it has no `data`"))?;
    let Json::Array(elements) = &data.value else {
        return Err(not_a_page("`data` is not an array"));
    };
    let rows = elements
        .iter()
        .map(|element| {
            let raw = element.span.slice(body);
            let contact = serde_json::from_str(raw)
                .map_err(|e| format!("a contact in the answer is not readable: {e}"))?;
            Ok(Row {
                raw: raw.to_owned(),
                contact,
            })
        })
        .collect::<Result<_, String>>()?;
    Ok(Page { rows, total })
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
        for body in ["[1]", r#"{"data": [], "total": -1}"#, r#"{"data": {}}"#] {
            assert!(read(body).unwrap_err().contains("not a page"), "{body}");
        }
        // The last of a key written twice, as serde reads it.
        let page = read(r#"{"data": [{"id": 1, "lastSeen": 1}], "data": []}"#).unwrap();
        assert!(page.rows.is_empty());
        assert!(
            read(r#"{"data": [{"id": "x", "lastSeen": 1}]}"#)
                .unwrap_err()
                .contains("not readable")
        );
        let error = read(r#"{"data": [{"id": 1}]}"#).unwrap_err();
        assert!(error.contains("not readable"), "{error}");
    }
}
