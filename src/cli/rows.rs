//! How `hcq run` prints the contacts it receives: as the API sent them
//! (jsonl, json), as a table (csv), their ids, or how many. `run.rs`
//! hands each row to a [`RowWriter`] as it arrives and calls
//! [`RowWriter::finish`] once the run is over. Each row is flushed as
//! soon as it is written, since rows often stream into a pipe.

use crate::run::Row;
use clap::{Args, ValueEnum};
use serde_json::Value;
use std::collections::HashSet;
use std::io::{self, Write};

/// The most columns `--columns` takes.
const MAX_COLUMNS: usize = 100;

/// The most characters of one column's name: far past any real key path,
/// short enough that a mistake (a pasted file) is caught, not echoed.
const MAX_COLUMN_CHARS: usize = 256;

/// The columns of `--format csv` without `--columns`: the contact's
/// common top-level fields (docs/SEMANTICS.md, "Response").
const DEFAULT_COLUMNS: [&str; 9] = [
    "id",
    "userId",
    "name",
    "email",
    "phone",
    "company",
    "tags",
    "firstSeen",
    "lastSeen",
];

/// The characters that make a spreadsheet read a cell as a formula
/// (OWASP, "CSV Injection").
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// How `hcq run` prints rows: its `--format`, `--columns` and
/// `--spreadsheet-safe` flags, which `RunArgs` flattens in.
#[derive(Args, Debug)]
pub(super) struct RowArgs {
    /// What to print for each contact.
    #[arg(long, value_enum, default_value_t = RowFormat::Jsonl)]
    pub format: RowFormat,
    /// The columns of --format csv, comma-separated. Default:
    /// id,userId,name,email,phone,company,tags,firstSeen,lastSeen.
    ///
    /// A column is a contact's key or a dotted path into its objects
    /// (location.city, customData.plan); unknown names are allowed and,
    /// like missing keys and nulls, print empty. Strings print as they
    /// are, numbers and true/false as in the JSON, timestamps as sent
    /// (UNIX seconds), tags as their names joined with `;`, other lists
    /// and objects as compact JSON.
    #[arg(long, value_name = "NAMES", value_parser = parse_columns)]
    pub columns: Option<Columns>,
    /// In --format csv, put a `'` before each cell a spreadsheet would
    /// run as a formula.
    ///
    /// Those are the cells starting with `=`, `+`, `-`, `@`, a tab or a
    /// carriage return. Contacts' names are typed by strangers, so such a
    /// cell may be a formula planted for whoever opens the file. The `'`
    /// makes a spreadsheet show the cell as text, and becomes part of it:
    /// `+380…` phone numbers turn into `'+380…`. Off by default, so that
    /// cells are exactly the API's values.
    #[arg(long)]
    pub spreadsheet_safe: bool,
}

/// What `hcq run` prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(super) enum RowFormat {
    /// Each contact's JSON on a line, exactly as the API sent it
    Jsonl,
    /// One JSON array of the contacts, each exactly as the API sent it
    Json,
    /// A header line with the --columns, then a line for each contact
    /// (RFC 4180 quoting, UTF-8, lines ending in \n)
    Csv,
    /// Each contact's id on a line
    Ids,
    /// Only how many contacts there are
    Count,
}

/// The columns of csv output, each a key or a dotted path of keys.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Columns(Vec<String>);

impl Columns {
    /// The common top-level fields of a contact.
    fn default_set() -> Columns {
        Columns(DEFAULT_COLUMNS.map(str::to_owned).to_vec())
    }
}

/// Reads `--columns`: comma-separated names, trimmed, none empty, none
/// twice, at most [`MAX_COLUMNS`].
///
/// # Errors
///
/// A message saying which name is wrong and why.
pub(super) fn parse_columns(text: &str) -> Result<Columns, String> {
    let names: Vec<&str> = text.split(',').map(str::trim).collect();
    if names.len() > MAX_COLUMNS {
        return Err(format!(
            "{} columns; at most {MAX_COLUMNS} are allowed",
            names.len()
        ));
    }
    let mut seen = HashSet::new();
    for (index, name) in names.iter().enumerate() {
        if name.is_empty() {
            return Err(format!(
                "column {} has no name (a comma too many?)",
                index + 1
            ));
        }
        if name.chars().count() > MAX_COLUMN_CHARS {
            return Err(format!(
                "column {} has a name of more than {MAX_COLUMN_CHARS} characters",
                index + 1
            ));
        }
        if name.split('.').any(str::is_empty) {
            return Err(format!(
                "`{name}` has an empty key: a dotted path is keys joined by single dots"
            ));
        }
        if !seen.insert(*name) {
            return Err(format!("`{name}` is named twice"));
        }
    }
    Ok(Columns(names.into_iter().map(str::to_owned).collect()))
}

/// Prints rows in one format, keeping what the end of the output needs
/// (how many rows, whether a json array or a csv header was started).
#[derive(Debug)]
pub(super) struct RowWriter {
    format: RowFormat,
    columns: Columns,
    spreadsheet_safe: bool,
    rows: u64,
}

impl RowWriter {
    /// A writer for `format`; `columns` (csv only) default to the common
    /// fields.
    ///
    /// # Errors
    ///
    /// A usage message when `columns` are given for a format other than
    /// csv, which would silently ignore them.
    pub(super) fn new(format: RowFormat, columns: Option<Columns>) -> Result<RowWriter, String> {
        if columns.is_some() && format != RowFormat::Csv {
            return Err("--columns only applies to --format csv".to_owned());
        }
        Ok(RowWriter {
            format,
            columns: columns.unwrap_or_else(Columns::default_set),
            spreadsheet_safe: false,
            rows: 0,
        })
    }

    /// The writer `hcq run`'s flags ask for.
    ///
    /// # Errors
    ///
    /// As [`RowWriter::new`].
    pub(super) fn for_args(args: &RowArgs) -> Result<RowWriter, String> {
        if args.spreadsheet_safe && args.format != RowFormat::Csv {
            return Err("--spreadsheet-safe only applies to --format csv".to_owned());
        }
        Ok(RowWriter::new(args.format, args.columns.clone())?
            .spreadsheet_safe(args.spreadsheet_safe))
    }

    /// Whether csv cells that a spreadsheet would run as formulas get a
    /// `'` in front (see [`RowArgs::spreadsheet_safe`]).
    pub(super) fn spreadsheet_safe(mut self, on: bool) -> RowWriter {
        self.spreadsheet_safe = on;
        self
    }

    /// Writes one row (after the csv header or the json `[` if it is the
    /// first) and flushes.
    ///
    /// # Errors
    ///
    /// Writing failed, or (csv only) the row's JSON has a number serde_json
    /// cannot hold (such as `1e400`), which no cell could show faithfully.
    pub(super) fn row(&mut self, out: &mut dyn Write, row: &Row) -> io::Result<()> {
        let first = self.rows == 0;
        match self.format {
            RowFormat::Jsonl => writeln!(out, "{}", row.raw)?,
            RowFormat::Json => write!(out, "{}{}", if first { "[\n  " } else { ",\n  " }, row.raw)?,
            RowFormat::Csv => {
                if first {
                    write_record(out, &self.columns.0)?;
                }
                write_record(out, &self.cells(row)?)?;
            }
            RowFormat::Ids => writeln!(out, "{}", row.contact.id)?,
            RowFormat::Count => {}
        }
        self.rows += 1;
        out.flush()
    }

    /// Ends the output: closes the json array (or prints `[]`), prints
    /// the count, or the csv header alone when there were no rows.
    /// Returns how many rows were written.
    ///
    /// # Errors
    ///
    /// Writing failed.
    pub(super) fn finish(self, out: &mut dyn Write) -> io::Result<u64> {
        let none = self.rows == 0;
        match self.format {
            RowFormat::Json => out.write_all(if none { b"[]\n" } else { b"\n]\n" })?,
            RowFormat::Csv if none => write_record(out, &self.columns.0)?,
            RowFormat::Count => writeln!(out, "{}", self.rows)?,
            RowFormat::Jsonl | RowFormat::Csv | RowFormat::Ids => {}
        }
        out.flush()?;
        Ok(self.rows)
    }

    /// The row's csv cells, in the order of the columns.
    fn cells(&self, row: &Row) -> io::Result<Vec<String>> {
        let contact: Value = serde_json::from_str(&row.raw).map_err(|e| {
            let id = row.contact.id;
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("contact {id} cannot be shown as csv: {e}"),
            )
        })?;
        let cells = self.columns.0.iter().map(|column| cell(&contact, column));
        Ok(if self.spreadsheet_safe {
            cells.map(as_text_in_spreadsheets).collect()
        } else {
            cells.collect()
        })
    }
}

/// One record, quoted as RFC 4180 says where needed. A csv writer lives
/// for one record only, so that every row reaches `out` at once.
fn write_record(out: &mut dyn Write, cells: &[String]) -> io::Result<()> {
    let mut writer = csv::WriterBuilder::new().from_writer(out);
    writer.write_record(cells)?;
    writer.flush()
}

/// The text of the value at the dotted path `column`; empty when a key
/// on the way is missing or not an object, or the value is null. A key
/// that itself holds a dot cannot be reached: the json formats show it.
/// Numbers print as serde_json reads them: decimals in their shortest
/// form (`1.50` → `1.5`), integers past 64 bits as the nearest float.
fn cell(contact: &Value, column: &str) -> String {
    let value = column
        .split('.')
        .try_fold(contact, |value, key| value.get(key));
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(text)) => text.clone(),
        Some(whole @ Value::Array(tags)) if column == "tags" => {
            tag_names(tags).unwrap_or_else(|| whole.to_string())
        }
        // Numbers and booleans as their JSON text; lists and objects as
        // compact JSON.
        Some(other) => other.to_string(),
    }
}

/// `[{"name": "Lead"}, {"name": "Paid"}]` as `Lead;Paid`; `None` if a tag
/// has no text `name`, so that an unexpected shape is shown whole. A `;`
/// inside a name is not escaped: HelpCrunch's tags are single words in
/// practice, and the json formats keep the exact list.
fn tag_names(tags: &[Value]) -> Option<String> {
    let names: Option<Vec<&str>> = tags.iter().map(|tag| tag.get("name")?.as_str()).collect();
    Some(names?.join(";"))
}

/// A cell a spreadsheet would run as a formula, with a `'` in front
/// (OWASP's advice for CSV injection); any other cell unchanged.
fn as_text_in_spreadsheets(cell: String) -> String {
    if cell.starts_with(FORMULA_STARTS) {
        format!("'{cell}")
    } else {
        cell
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A row as the executor builds it: the text, and the contact read
    /// from it.
    fn row(raw: &str) -> Row {
        Row {
            raw: raw.to_owned(),
            contact: serde_json::from_str(raw).expect("a test contact reads"),
        }
    }

    const ANN: &str = r#"{"id": 1, "name": "Ann", "lastSeen": "1700000000"}"#;
    const BOB: &str = r#"{"id":2,"name":"Bob","lastSeen":5}"#;
    const CY: &str = r#"{"id": 3, "lastSeen": "9", "email": null}"#;

    /// What `writer` prints for `raws`, then its count.
    fn written_by(mut writer: RowWriter, raws: &[&str]) -> (String, u64) {
        let mut out = Vec::new();
        for raw in raws {
            writer.row(&mut out, &row(raw)).unwrap();
        }
        let count = writer.finish(&mut out).unwrap();
        (String::from_utf8(out).unwrap(), count)
    }

    fn written(format: RowFormat, columns: Option<&str>, raws: &[&str]) -> String {
        let columns = columns.map(|text| parse_columns(text).unwrap());
        let (text, count) = written_by(RowWriter::new(format, columns).unwrap(), raws);
        assert_eq!(count, raws.len() as u64);
        text
    }

    #[test]
    fn jsonl_prints_each_row_as_sent() {
        assert_eq!(written(RowFormat::Jsonl, None, &[]), "");
        assert_eq!(written(RowFormat::Jsonl, None, &[ANN]), format!("{ANN}\n"));
        assert_eq!(
            written(RowFormat::Jsonl, None, &[ANN, BOB, CY]),
            format!("{ANN}\n{BOB}\n{CY}\n")
        );
    }

    #[test]
    fn json_prints_one_array_of_the_rows_as_sent() {
        assert_eq!(written(RowFormat::Json, None, &[]), "[]\n");
        assert_eq!(
            written(RowFormat::Json, None, &[ANN]),
            format!("[\n  {ANN}\n]\n")
        );
        let three = written(RowFormat::Json, None, &[ANN, BOB, CY]);
        assert_eq!(three, format!("[\n  {ANN},\n  {BOB},\n  {CY}\n]\n"));
        assert_eq!(serde_json::from_str::<Value>(&three).unwrap()[2]["id"], 3);
    }

    #[test]
    fn ids_and_count() {
        assert_eq!(written(RowFormat::Ids, None, &[]), "");
        assert_eq!(written(RowFormat::Ids, None, &[ANN]), "1\n");
        assert_eq!(written(RowFormat::Ids, None, &[ANN, BOB, CY]), "1\n2\n3\n");
        assert_eq!(written(RowFormat::Count, None, &[]), "0\n");
        assert_eq!(written(RowFormat::Count, None, &[ANN]), "1\n");
        assert_eq!(written(RowFormat::Count, None, &[ANN, BOB, CY]), "3\n");
    }

    #[test]
    fn csv_has_a_header_even_without_rows_and_the_common_fields_by_default() {
        let header = "id,userId,name,email,phone,company,tags,firstSeen,lastSeen\n";
        assert_eq!(written(RowFormat::Csv, None, &[]), header);
        assert_eq!(
            written(RowFormat::Csv, None, &[ANN]),
            format!("{header}1,,Ann,,,,,,1700000000\n")
        );
        assert_eq!(
            written(RowFormat::Csv, None, &[ANN, BOB, CY]),
            format!("{header}1,,Ann,,,,,,1700000000\n2,,Bob,,,,,,5\n3,,,,,,,,9\n")
        );
        assert_eq!(written(RowFormat::Csv, Some("id"), &[]), "id\n");
    }

    #[test]
    fn csv_quotes_commas_quotes_and_line_breaks_and_keeps_unicode() {
        let raw = r#"{"id": 1, "lastSeen": 1, "name": "Doe, \"Jo\"\nline 2",
                      "company": "Київ 🚀", "email": "a\r\nb"}"#;
        assert_eq!(
            written(RowFormat::Csv, Some("name, company,email"), &[raw]),
            "name,company,email\n\"Doe, \"\"Jo\"\"\nline 2\",Київ 🚀,\"a\r\nb\"\n"
        );
        // And a csv reader reads back exactly the values.
        let text = written(RowFormat::Csv, Some("name,company"), &[raw]);
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let record = reader.records().next().unwrap().unwrap();
        assert_eq!(&record[0], "Doe, \"Jo\"\nline 2");
        assert_eq!(&record[1], "Київ 🚀");
    }

    #[test]
    fn cells_follow_dotted_paths_and_show_values_by_their_kind() {
        let raw = r#"{"id": 7, "lastSeen": "1700000000", "firstSeen": null,
            "location": {"city": "Kyiv", "countryCode": "UA"},
            "customData": {"plan": "pro", "seats": 12, "ratio": 0.5, "trial": false,
                           "nested": {"deep": "yes"}, "list": [1, "a", null], "obj": {"k": [true]}},
            "unsubscribed": true, "tags": []}"#;
        let columns = "location.city,customData.plan,customData.seats,customData.ratio,\
            customData.trial,customData.nested.deep,customData.list,customData.obj,\
            unsubscribed,lastSeen,firstSeen,tags,location.city.name,customData.missing,nope";
        let text = written(RowFormat::Csv, Some(columns), &[raw]);
        let line = text.lines().nth(1).unwrap();
        assert_eq!(
            line,
            r#"Kyiv,pro,12,0.5,false,yes,"[1,""a"",null]","{""k"":[true]}",true,1700000000,,,,,"#
        );
    }

    #[test]
    fn tags_print_as_their_names_joined_by_semicolons() {
        let raw = r#"{"id": 1, "lastSeen": 1,
            "tags": [{"name": "Lead", "color": "red"}, {"name": "Paid", "color": null}]}"#;
        assert_eq!(
            written(RowFormat::Csv, Some("tags"), &[raw]),
            "tags\nLead;Paid\n"
        );
        // A shape that is not a list of named tags (the executor reads no
        // such contact) is shown whole; `tags` inside objects is no tag list.
        let odd: Value =
            serde_json::from_str(r#"{"tags": [{"name": 5}], "x": {"tags": [{"name": "y"}]}}"#)
                .unwrap();
        assert_eq!(cell(&odd, "tags"), r#"[{"name":5}]"#);
        assert_eq!(cell(&odd, "x.tags"), r#"[{"name":"y"}]"#);
    }

    #[test]
    fn absent_and_null_values_are_empty_cells() {
        let raw = r#"{"id": 1, "lastSeen": 1, "email": null, "location": null}"#;
        assert_eq!(
            written(RowFormat::Csv, Some("email,phone,location.city"), &[raw]),
            "email,phone,location.city\n,,\n"
        );
        // A record of one empty cell is quoted, so that it is not a blank line.
        assert_eq!(
            written(RowFormat::Csv, Some("phone"), &[raw]),
            "phone\n\"\"\n"
        );
    }

    #[test]
    fn columns_are_trimmed_names_or_dotted_paths() {
        let columns = parse_columns(" id , customData.plan,location.city ").unwrap();
        assert_eq!(columns.0, ["id", "customData.plan", "location.city"]);
        let hundred: Vec<String> = (0..MAX_COLUMNS).map(|i| format!("c{i}")).collect();
        assert_eq!(
            parse_columns(&hundred.join(",")).unwrap().0.len(),
            MAX_COLUMNS
        );
    }

    #[test]
    fn bad_columns_say_what_is_wrong() {
        let error = |text: &str| parse_columns(text).unwrap_err();
        assert_eq!(error(""), "column 1 has no name (a comma too many?)");
        assert_eq!(
            error("id,,name"),
            "column 2 has no name (a comma too many?)"
        );
        assert_eq!(error("id, "), "column 2 has no name (a comma too many?)");
        for path in ["a.", ".a", "a..b", "."] {
            assert!(error(path).contains("has an empty key"), "{path}");
        }
        assert_eq!(error("id,name, id"), "`id` is named twice");
        let long = "x".repeat(MAX_COLUMN_CHARS + 1);
        let refused = parse_columns(&format!("id,{long}")).unwrap_err();
        assert!(
            refused.contains("column 2 has a name of more than"),
            "{refused}"
        );
        assert!(parse_columns(&"x".repeat(MAX_COLUMN_CHARS)).is_ok());
        let many: Vec<String> = (0..=MAX_COLUMNS).map(|i| format!("c{i}")).collect();
        assert_eq!(
            error(&many.join(",")),
            "101 columns; at most 100 are allowed"
        );
    }

    #[test]
    fn columns_and_spreadsheet_safety_belong_to_csv_only() {
        let columns = || Some(parse_columns("id").unwrap());
        assert_eq!(
            RowWriter::new(RowFormat::Jsonl, columns()).unwrap_err(),
            "--columns only applies to --format csv"
        );
        assert!(RowWriter::new(RowFormat::Csv, columns()).is_ok());
        let args = RowArgs {
            format: RowFormat::Ids,
            columns: None,
            spreadsheet_safe: true,
        };
        assert_eq!(
            RowWriter::for_args(&args).unwrap_err(),
            "--spreadsheet-safe only applies to --format csv"
        );
    }

    #[test]
    fn cells_are_unchanged_unless_spreadsheet_safety_is_asked_for() {
        let raw = r#"{"id": 1, "lastSeen": 1, "name": "=HYPERLINK(\"http://x\")",
            "phone": "+380441234567", "company": "-1", "email": "@a", "userId": "\tx",
            "customData": {"a": "\rx", "b": "a=b", "c": -4}}"#;
        let columns =
            Some("name,phone,company,email,userId,customData.a,customData.b,customData.c");
        let plain = written(RowFormat::Csv, columns, &[raw]);
        assert_eq!(
            plain.lines().nth(1).unwrap(),
            "\"=HYPERLINK(\"\"http://x\"\")\",+380441234567,-1,@a,\tx,\"\rx\",a=b,-4"
        );
        let safe = RowWriter::new(RowFormat::Csv, columns.map(|c| parse_columns(c).unwrap()))
            .unwrap()
            .spreadsheet_safe(true);
        let (text, _) = written_by(safe, &[raw]);
        assert_eq!(
            text,
            "name,phone,company,email,userId,customData.a,customData.b,customData.c\n\
             \"'=HYPERLINK(\"\"http://x\"\")\",'+380441234567,'-1,'@a,'\tx,\"'\rx\",a=b,'-4\n"
        );
    }

    #[test]
    fn a_number_serde_json_cannot_hold_is_an_error_in_csv_only() {
        let raw = r#"{"id": 4, "lastSeen": 1, "x": 1e400}"#;
        assert_eq!(written(RowFormat::Jsonl, None, &[raw]), format!("{raw}\n"));
        let mut writer = RowWriter::new(RowFormat::Csv, None).unwrap();
        let error = writer.row(&mut Vec::new(), &row(raw)).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::InvalidData);
        assert!(
            error
                .to_string()
                .starts_with("contact 4 cannot be shown as csv")
        );
    }

    #[test]
    fn a_failed_write_is_returned() {
        struct Closed;
        impl Write for Closed {
            fn write(&mut self, _: &[u8]) -> io::Result<usize> {
                Err(io::ErrorKind::BrokenPipe.into())
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        for format in RowFormat::value_variants() {
            let mut writer = RowWriter::new(*format, None).unwrap();
            let wrote = writer.row(&mut Closed, &row(ANN));
            let finished = writer.finish(&mut Closed);
            let failed = [wrote.err(), finished.err()];
            let kinds: Vec<_> = failed.iter().flatten().map(io::Error::kind).collect();
            assert!(!kinds.is_empty(), "{format:?}");
            assert!(kinds.iter().all(|kind| *kind == io::ErrorKind::BrokenPipe));
        }
    }

    #[test]
    fn the_flags_parse_and_teach() {
        use clap::{CommandFactory, Parser};
        #[derive(Parser, Debug)]
        struct Flags {
            #[command(flatten)]
            rows: RowArgs,
        }
        let flags = Flags::try_parse_from(["hcq", "--format", "csv", "--columns", "id,tags"]);
        let flags = flags.unwrap();
        assert_eq!(flags.rows.format, RowFormat::Csv);
        assert_eq!(flags.rows.columns, Some(parse_columns("id,tags").unwrap()));
        assert_eq!(
            Flags::try_parse_from(["hcq"]).unwrap().rows.format,
            RowFormat::Jsonl
        );
        let error = Flags::try_parse_from(["hcq", "--columns", "a,a"]).unwrap_err();
        assert!(error.to_string().contains("`a` is named twice"), "{error}");
        let help = Flags::command().render_long_help().to_string();
        for needle in [
            "csv:",
            "joined with `;`",
            "userId,name",
            "--spreadsheet-safe",
        ] {
            assert!(help.contains(needle), "{needle} in {help}");
        }
    }
}
