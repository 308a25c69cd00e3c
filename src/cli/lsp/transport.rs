//! The protocol's framing: `Content-Length: N` headers, a blank line, then
//! N bytes of JSON, over any reader and writer.
//!
//! hcq frames messages itself rather than through `lsp-server`, whose
//! reader allocates whatever `Content-Length` says, stops for good at the
//! first malformed header, and owns the process's stdin and stdout on
//! threads of its own (`hcq::cli::run` takes its streams as arguments, so
//! tests and the fuzzer drive it in-process). Here every frame is bounded,
//! a malformed one is skipped (and said on stderr) and reading goes on at
//! the next header, and the server's state machine never sees bytes.

use std::io::{self, BufRead, Read, Write};

/// The longest header line read; the rest of a longer line is skipped.
pub(crate) const MAX_HEADER_LINE: usize = 8 * 1024;

/// The largest message body read: a document of the largest size hcq
/// reads (`limits::MAX_FILE_BYTES`), escaped in JSON, fits. A larger body
/// is skipped without being kept.
pub(crate) const MAX_MESSAGE_BYTES: usize = 2 * crate::limits::MAX_FILE_BYTES + 1024 * 1024;

/// One frame read.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Frame {
    /// The message body, not yet read as JSON; `None` when the frame had
    /// none that could be read.
    pub body: Option<Vec<u8>>,
    /// What was wrong and skipped, for stderr.
    pub malformed: Option<String>,
}

impl Frame {
    fn malformed(why: String) -> Frame {
        Frame {
            body: None,
            malformed: Some(why),
        }
    }
}

/// Reads the next frame; `None` at the end of the input.
///
/// # Errors
///
/// Only the reader's own errors.
pub(crate) fn read_frame(reader: &mut dyn BufRead) -> io::Result<Option<Frame>> {
    let mut length: Option<usize> = None;
    let mut headers = 0;
    let mut skipped: Option<String> = None;
    loop {
        let Some((line, clipped)) = read_line(reader)? else {
            return Ok((headers > 0 || skipped.is_some())
                .then(|| Frame::malformed("the input ended inside a header".to_owned())));
        };
        let line = trim_line_end(&line);
        if line.is_empty() {
            if headers == 0 && skipped.is_none() {
                // Stray blank lines between messages.
                continue;
            }
            break;
        }
        // A header, or garbage that may end with one (a body shorter than
        // its `Content-Length` said runs into the next header).
        let text = String::from_utf8_lossy(line);
        let header = match find_ignoring_case(&text, "content-length:") {
            Some(0) if !clipped => &text[..],
            Some(at) if !clipped => {
                skipped.get_or_insert_with(|| describe(&text[..at]));
                &text[at..]
            }
            _ if is_header(&text) && !clipped => {
                headers += 1;
                continue;
            }
            _ => {
                skipped.get_or_insert_with(|| describe(&text));
                continue;
            }
        };
        headers += 1;
        let value = header["content-length:".len()..].trim();
        length = match value.parse::<usize>() {
            Ok(n) => Some(n),
            Err(_) => {
                skipped.get_or_insert_with(|| format!("a Content-Length of {}", describe(value)));
                None
            }
        };
    }
    let Some(length) = length else {
        return Ok(Some(Frame::malformed(match skipped {
            Some(what) => format!("skipped {what}, which is not a message header"),
            None => "a message without a Content-Length header".to_owned(),
        })));
    };
    if length > MAX_MESSAGE_BYTES {
        io::copy(&mut reader.take(length as u64), &mut io::sink())?;
        return Ok(Some(Frame::malformed(format!(
            "skipped a message of {length} bytes, over the {MAX_MESSAGE_BYTES} hcq reads"
        ))));
    }
    let mut body = Vec::new();
    reader.take(length as u64).read_to_end(&mut body)?;
    if body.len() < length {
        return Ok(Some(Frame::malformed(format!(
            "the input ended {} bytes into a message of {length}",
            body.len()
        ))));
    }
    // Garbage before a good header is reported, and the message still read.
    Ok(Some(Frame {
        body: Some(body),
        malformed: skipped.map(|what| format!("skipped {what} before a message header")),
    }))
}

/// One line up to its `\n`, at most [`MAX_HEADER_LINE`] bytes of it kept;
/// whether more was skipped; `None` at the end of the input.
fn read_line(reader: &mut dyn BufRead) -> io::Result<Option<(Vec<u8>, bool)>> {
    let mut line = Vec::new();
    let mut clipped = false;
    let mut read_any = false;
    loop {
        let buffer = match reader.fill_buf() {
            Ok(buffer) => buffer,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if buffer.is_empty() {
            return Ok(read_any.then_some((line, clipped)));
        }
        read_any = true;
        let (taken, done) = match memchr_newline(buffer) {
            Some(i) => (i + 1, true),
            None => (buffer.len(), false),
        };
        let room = MAX_HEADER_LINE.saturating_sub(line.len());
        line.extend_from_slice(&buffer[..taken.min(room)]);
        clipped |= taken > room;
        reader.consume(taken);
        if done {
            return Ok(Some((line, clipped)));
        }
    }
}

fn memchr_newline(bytes: &[u8]) -> Option<usize> {
    bytes.iter().position(|&b| b == b'\n')
}

fn trim_line_end(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// Whether `line` reads as a header other than `Content-Length`
/// (`Content-Type: …`): a token, a colon, a value.
fn is_header(line: &str) -> bool {
    line.split_once(':').is_some_and(|(name, _)| {
        !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    })
}

fn find_ignoring_case(haystack: &str, needle: &str) -> Option<usize> {
    haystack
        .as_bytes()
        .windows(needle.len())
        .position(|window| window.eq_ignore_ascii_case(needle.as_bytes()))
}

/// Bytes from the input, quoted and shortened for a line on stderr.
fn describe(text: &str) -> String {
    let shown: String = text
        .chars()
        .take(40)
        .map(|c| if c.is_control() { '\u{FFFD}' } else { c })
        .collect();
    let more = if text.chars().nth(40).is_some() {
        "…"
    } else {
        ""
    };
    format!("{:?}", shown + more)
}

/// Writes one message in a frame and flushes it.
///
/// # Errors
///
/// The writer's errors.
pub(crate) fn write_message(writer: &mut dyn Write, message: &serde_json::Value) -> io::Result<()> {
    let body = serde_json::to_vec(message).expect("a JSON value serialises");
    write!(writer, "Content-Length: {}\r\n\r\n", body.len())?;
    writer.write_all(&body)?;
    writer.flush()
}

#[cfg(test)]
mod tests {
    use super::{Frame, MAX_HEADER_LINE, MAX_MESSAGE_BYTES, read_frame};

    fn frames(input: &[u8]) -> Vec<Frame> {
        let mut reader = input;
        let mut frames = Vec::new();
        while let Some(frame) = read_frame(&mut reader).unwrap() {
            frames.push(frame);
        }
        frames
    }

    fn body(text: &str) -> Frame {
        Frame {
            body: Some(text.as_bytes().to_vec()),
            malformed: None,
        }
    }

    #[test]
    fn frames_are_read_with_any_headers_and_line_ends() {
        let input = b"Content-Length: 2\r\n\r\n{}\r\n\
            content-length:3\nContent-Type: application/vscode-jsonrpc\n\n[1]";
        assert_eq!(frames(input), [body("{}"), body("[1]")]);
    }

    #[test]
    fn reading_resumes_at_the_next_header_after_garbage() {
        // Garbage on a line of its own is skipped; garbage that runs into
        // a header (a body longer than its Content-Length said) is
        // reported, and the message after it still read.
        let input = b"junk\r\n\r\nContent-Length: 1\r\n\r\n[]]Content-Length: 2\r\n\r\n{}";
        let frames = frames(input);
        assert_eq!(frames.len(), 3, "{frames:?}");
        assert_eq!(
            frames[0].malformed.as_deref(),
            Some("skipped \"junk\", which is not a message header")
        );
        assert!(frames[0].body.is_none());
        assert_eq!(frames[1], body("["));
        assert_eq!(frames[2].body.as_deref(), Some(&b"{}"[..]));
        assert_eq!(
            frames[2].malformed.as_deref(),
            Some("skipped \"]]\" before a message header")
        );
    }

    #[test]
    fn a_line_or_body_over_the_bounds_is_skipped_without_being_kept() {
        let mut input = vec![b'x'; MAX_HEADER_LINE * 3];
        input.extend(b"\r\n\r\nContent-Length: 2\r\n\r\n{}");
        let frames = frames(&input);
        assert_eq!(frames.len(), 2);
        assert!(frames[0].body.is_none());
        assert_eq!(frames[1], body("{}"));
        let huge = format!("Content-Length: {}\r\n\r\nabc", MAX_MESSAGE_BYTES + 1);
        let frames = super::tests::frames(huge.as_bytes());
        assert_eq!(frames.len(), 1);
        assert!(frames[0].malformed.as_deref().unwrap().contains("over the"));
    }

    #[test]
    fn the_end_of_input_inside_a_frame_is_reported() {
        for input in [
            &b"Content-Length: 9\r\n\r\n{}"[..],
            b"Content-Length: 9\r\n",
        ] {
            let frames = frames(input);
            assert_eq!(frames.len(), 1);
            assert!(frames[0].body.is_none());
            assert!(frames[0].malformed.as_deref().unwrap().contains("ended"));
        }
    }
}
