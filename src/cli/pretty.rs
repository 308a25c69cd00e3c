//! serde_json's pretty form (two spaces a level), written with fewer
//! calls to the writer: a line break and its indentation go out as one
//! slice, where `serde_json::ser::PrettyFormatter` writes the break and
//! then each level's two spaces on their own. `hcq emit FILE` prints
//! about 17 bytes of JSON for each byte of the file, mostly indentation,
//! and each write into a `Vec` is a call to `memcpy`.

use serde_json::ser::Formatter;
use std::io::{self, Write};

/// Most levels [`BREAKS`] indents in one slice; deeper lines write the
/// rest two spaces at a time (a plan is six levels deep).
const LEVELS: usize = 32;

/// A comma, a line break and the indentation of [`LEVELS`] levels: a
/// slice of it starts every line.
const BREAKS: [u8; 2 + 2 * LEVELS] = {
    let mut breaks = [b' '; 2 + 2 * LEVELS];
    breaks[0] = b',';
    breaks[1] = b'\n';
    breaks
};

/// The formatter: the same bytes as `PrettyFormatter::new()`.
#[derive(Default)]
pub(super) struct Pretty {
    depth: usize,
    has_value: bool,
}

impl Pretty {
    /// A line break (after a comma when `comma`) and the indentation of
    /// the current depth.
    fn line<W: ?Sized + Write>(&self, writer: &mut W, comma: bool) -> io::Result<()> {
        let start = usize::from(!comma);
        let levels = self.depth.min(LEVELS);
        writer.write_all(&BREAKS[start..2 + 2 * levels])?;
        for _ in levels..self.depth {
            writer.write_all(b"  ")?;
        }
        Ok(())
    }

    fn begin<W: ?Sized + Write>(&mut self, writer: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        writer.write_all(bracket)
    }

    fn end<W: ?Sized + Write>(&mut self, writer: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.depth -= 1;
        if self.has_value {
            self.line(writer, false)?;
        }
        writer.write_all(bracket)
    }
}

impl Formatter for Pretty {
    fn begin_array<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.begin(writer, b"[")
    }

    fn end_array<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.end(writer, b"]")
    }

    fn begin_array_value<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.line(writer, !first)
    }

    fn end_array_value<W: ?Sized + Write>(&mut self, _writer: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.begin(writer, b"{")
    }

    fn end_object<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.end(writer, b"}")
    }

    fn begin_object_key<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.line(writer, !first)
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        writer.write_all(b": ")
    }

    fn end_object_value<W: ?Sized + Write>(&mut self, _writer: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde::Serialize;
    use serde_json::Value;

    fn pretty(value: &Value) -> String {
        let mut out = Vec::new();
        let mut serializer = serde_json::Serializer::with_formatter(&mut out, Pretty::default());
        value
            .serialize(&mut serializer)
            .expect("a value serialises");
        String::from_utf8(out).expect("UTF-8")
    }

    /// Any JSON value, nested up to `depth` levels.
    fn value(depth: u32) -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            "[a-z\"\\\\\n é]{0,6}".prop_map(Value::from),
        ];
        leaf.prop_recursive(depth, 256, 5, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
                prop::collection::vec(("[a-z]{0,4}", inner), 0..5)
                    .prop_map(|entries| Value::Object(entries.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #![proptest_config(crate::testing::proptest_config())]

        /// The same bytes as serde_json's own pretty printer, past the
        /// depth indented in one slice too.
        #[test]
        fn writes_what_serde_json_pretty_writes(value in value(40)) {
            let expected = serde_json::to_string_pretty(&value).expect("a value serialises");
            prop_assert_eq!(pretty(&value), expected);
        }
    }

    #[test]
    fn deeper_than_one_slice_indents() {
        let mut value = Value::from(1);
        for _ in 0..LEVELS + 3 {
            value = Value::Array(vec![value]);
        }
        assert_eq!(
            pretty(&value),
            serde_json::to_string_pretty(&value).expect("json")
        );
    }
}
