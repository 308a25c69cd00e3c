//! `hcq lsp`: a Language Server for `.hcq` files over stdin and stdout.
//!
//! One module per job: `transport.rs` frames messages, `server.rs` is the
//! state machine that answers them (no I/O), `document.rs` holds a
//! document's text and converts byte offsets to and from the protocol's
//! UTF-16 positions (the one place that does), `diagnostics.rs` checks as
//! `hcq check` does, `index.rs` finds the names of the tree, and
//! `completion.rs`, `hover.rs`, `navigation.rs` (definition, references,
//! rename), `symbols.rs`, `formatting.rs`, `actions.rs` (a quick fix
//! for each "did you mean") and `semantic.rs` (tokens for highlighting)
//! answer their requests. This
//! file is the driver: it reads frames, hands them to the server, and
//! writes what it answers, one message at a time, in order.

mod actions;
mod completion;
mod diagnostics;
mod document;
mod formatting;
mod hover;
mod index;
mod navigation;
mod semantic;
mod server;
mod symbols;
mod transport;

use super::{FAILURE, Failure, INVALID, Session};
use crate as hcq;
use clap::Args;
use server::Server;
use std::io::{BufReader, Write};

/// The flags of `hcq lsp`.
#[derive(Args, Debug)]
#[command(after_help = "\
The server speaks the Language Server Protocol over standard input and
output, for `.hcq` files (segment files and single expressions):
diagnostics as `hcq check` gives them, formatting as `hcq fmt`, completion,
hover, go to definition, references and rename of segments, and the
outline. Editors start it themselves; see README, \"Editor support\".

Exit status: 0 after the client's `shutdown` and `exit`, 1 when the client
exits without `shutdown` or the input ends, 2 when standard output fails.")]
pub(super) struct LspArgs {
    /// Accepted and ignored: standard input and output are the only
    /// transport, and some clients say so with this flag.
    #[arg(long)]
    pub stdio: bool,
}

pub(super) fn run(_args: &LspArgs, session: &mut Session<'_, '_>) -> Result<u8, Failure> {
    let io = &mut *session.io;
    let mut stdin = BufReader::new(&mut *io.stdin);
    let mut server = Server::new(hcq::Options::default());
    let log = |stderr: &mut dyn Write, line: &str| {
        // Nothing useful can be done when stderr itself fails.
        let _ = writeln!(stderr, "hcq lsp: {}", super::render::visible(line));
    };
    loop {
        let frame = match transport::read_frame(&mut stdin) {
            Ok(Some(frame)) => frame,
            Ok(None) => {
                log(io.stderr, "the input ended without `exit`");
                return Ok(INVALID);
            }
            Err(error) => {
                return Err(Failure::new(
                    FAILURE,
                    "hcq::io::read",
                    format!("cannot read standard input: {error}"),
                ));
            }
        };
        if let Some(why) = &frame.malformed {
            log(io.stderr, why);
        }
        let Some(body) = frame.body else {
            continue;
        };
        let output = server.handle_bytes(&body);
        for line in &output.log {
            log(io.stderr, line);
        }
        for message in &output.messages {
            transport::write_message(io.stdout, message).map_err(|error| {
                Failure::new(
                    FAILURE,
                    "hcq::io::write",
                    format!("cannot write to standard output: {error}"),
                )
            })?;
        }
        if let Some(status) = output.exit {
            return Ok(status);
        }
        server.tidy();
    }
}
