//! The real binary against careless and hostile input: long lines with a
//! mistake at their end, control characters, inputs over every size bound,
//! `/dev/zero`, FIFOs, directories, unreadable files, a file-size limit and
//! a full disk while writing, thousands of diagnostics.
//!
//! Every case asserts what the README promises: the exit status is 0, 1 or
//! 2; nothing panics; what a failure prints is bounded; a file that could
//! not be rewritten is byte for byte what it was; each runaway case ends
//! (bounds here are generous; speed is measured by `bench/`).

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const HCQ: &str = env!("CARGO_BIN_EXE_hcq");
/// The most a failing run may print on stderr.
const MAX_STDERR: usize = 256 * 1024;

/// A directory of its own for one test, removed when it ends.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("hcq-hostile-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("a scratch directory");
        Scratch(dir)
    }

    fn file(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, contents).expect("a scratch file");
        path
    }

    /// The names in the directory, to see that no temporary file is left.
    fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(&self.0)
            .expect("the scratch directory")
            .map(|e| {
                e.expect("an entry")
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        names.sort();
        names
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs hcq with `args` and `stdin`, killing it after `limit`.
fn run_with(args: &[&str], stdin: &[u8], limit: Duration) -> Output {
    let mut child = Command::new(HCQ)
        .args(args)
        .env_remove("COLUMNS")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("hcq starts");
    let pid = child.id();
    let mut input = child.stdin.take().expect("a stdin pipe");
    let stdin = stdin.to_vec();
    // hcq may stop reading early; a broken pipe here is expected.
    let writer = std::thread::spawn(move || {
        use std::io::Write;
        let _ = input.write_all(&stdin);
    });
    // Output is read while hcq runs, so a full pipe never stalls it.
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = sender.send(child.wait_with_output());
    });
    let started = Instant::now();
    let output = match receiver.recv_timeout(limit) {
        Ok(output) => output.expect("hcq's output"),
        Err(_) => {
            let _ = Command::new("kill").arg("-9").arg(pid.to_string()).status();
            panic!("hcq {args:?} ran longer than {limit:?}");
        }
    };
    let _ = writer.join();
    assert!(started.elapsed() <= limit + Duration::from_secs(1));
    output
}

fn run(args: &[&str], stdin: &[u8]) -> Output {
    run_with(args, stdin, Duration::from_secs(60))
}

/// The promises every run keeps; returns stderr as text.
fn sane(output: &Output) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let code = output.status.code();
    assert!(
        matches!(code, Some(0..=2)),
        "exit status {:?}; stderr starts {:?}",
        output.status,
        stderr.chars().take(500).collect::<String>()
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        output.stderr.len() <= MAX_STDERR,
        "stderr is {} bytes",
        output.stderr.len()
    );
    // No raw control character but the line break reaches a terminal.
    if let Some(c) = stderr.chars().find(|&c| c.is_control() && c != '\n') {
        panic!("stderr holds {c:?}: {stderr}");
    }
    stderr
}

fn code(output: &Output) -> i32 {
    output.status.code().expect("an exit status")
}

#[test]
fn a_mistake_at_the_end_of_a_long_line_is_shown_in_a_window() {
    let expr = format!("name = \"{}\" and", "a".repeat(70_000));
    for format in ["human", "json"] {
        let output = run(&["check", "--message-format", format, "-"], expr.as_bytes());
        let stderr = sane(&output);
        assert_eq!(code(&output), 1, "{stderr}");
        assert!(stderr.len() < 4_000, "{stderr}");
        if format == "human" {
            assert!(stderr.contains("[<stdin>:1:70011]"), "{stderr}");
            assert!(stderr.contains("…aaaa"), "{stderr}");
        } else {
            assert!(stderr.contains("\"column\":70011"), "{stderr}");
        }
    }
}

#[test]
fn an_expression_over_the_size_bound_on_one_line_is_refused_briefly() {
    let expr = format!("name = \"{}\"", "a".repeat(2 * 1024 * 1024));
    let output = run(&["emit", "-"], expr.as_bytes());
    let stderr = sane(&output);
    assert_eq!(code(&output), 1);
    assert!(stderr.contains("hcq::parse::too_large"), "{stderr}");
    assert!(stderr.len() < 4_000, "{stderr}");
}

#[test]
fn endless_input_stops_at_the_bound() {
    if !Path::new("/dev/zero").exists() {
        return;
    }
    for args in [
        &["check", "/dev/zero"][..],
        &["emit", "/dev/zero"],
        &["eval", "-e", "id > 1", "--contacts", "/dev/zero"],
    ] {
        let output = run(args, b"");
        let stderr = sane(&output);
        assert_eq!(code(&output), 1, "{args:?}: {stderr}");
        assert!(stderr.contains("larger than"), "{stderr}");
    }
}

#[test]
fn control_characters_are_shown_not_sent_to_the_terminal() {
    let scratch = Scratch::new("control");
    let file = scratch.file("ctl.hcq", "city = \u{1b}[2J\u{7}Kyiv\u{200b} and\n");
    let output = run(&["check", file.to_str().unwrap()], b"");
    let stderr = sane(&output);
    assert_eq!(code(&output), 1);
    assert!(stderr.contains("␛[2J␇Kyiv"), "{stderr}");
    // In JSON the text is escaped by JSON itself.
    let output = run(
        &["check", "--message-format", "json", file.to_str().unwrap()],
        b"",
    );
    sane(&output);
}

#[test]
fn fmt_refuses_what_is_not_a_regular_file_without_waiting() {
    let scratch = Scratch::new("fifo");
    let fifo = scratch.0.join("pipe.hcq");
    let made = Command::new("mkfifo").arg(&fifo).status();
    if made.is_ok_and(|s| s.success()) {
        let output = run_with(
            &["fmt", fifo.to_str().unwrap()],
            b"",
            Duration::from_secs(20),
        );
        let stderr = sane(&output);
        assert_eq!(code(&output), 2);
        assert!(stderr.contains("not a regular file"), "{stderr}");
    }
    let output = run(&["fmt", scratch.0.to_str().unwrap()], b"");
    let stderr = sane(&output);
    assert_eq!(code(&output), 2);
    assert!(stderr.contains("a directory"), "{stderr}");
    let output = run(&["check", scratch.0.to_str().unwrap()], b"");
    let stderr = sane(&output);
    assert_eq!(code(&output), 2);
    assert!(stderr.contains("a directory"), "{stderr}");
}

#[test]
fn one_unreadable_file_does_not_hide_the_others() {
    let scratch = Scratch::new("several");
    let bad = scratch.file("bad.hcq", "emial ~ gmail\n");
    let good = scratch.file("good.hcq", "segment a\n  id > 1\n");
    let missing = scratch.0.join("missing.hcq");
    let output = run(
        &[
            "check",
            missing.to_str().unwrap(),
            bad.to_str().unwrap(),
            good.to_str().unwrap(),
        ],
        b"",
    );
    let stderr = sane(&output);
    assert_eq!(code(&output), 2, "{stderr}");
    assert!(stderr.contains("cannot read"), "{stderr}");
    assert!(stderr.contains("did you mean `email`"), "{stderr}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("good.hcq"), "{stdout}");

    let output = run(
        &[
            "check",
            "--message-format",
            "json",
            missing.to_str().unwrap(),
            bad.to_str().unwrap(),
        ],
        b"",
    );
    let stderr = sane(&output);
    let codes: Vec<String> = stderr
        .lines()
        .map(|line| {
            let value: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
            value["code"].as_str().unwrap_or_default().to_owned()
        })
        .collect();
    assert_eq!(codes, ["hcq::io::read", "hcq::check::unknown_field"]);
}

/// Runs hcq as a user who cannot bypass permissions: as itself when it
/// is not root, else as `nobody` through `setpriv`. `None` when neither is
/// possible (root without `setpriv`), where permissions cannot be tested.
fn run_unprivileged(args: &[&str]) -> Option<Output> {
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.trim_ascii() == b"0");
    let mut command = if !root {
        Command::new(HCQ)
    } else {
        let nobody = || {
            let mut command = Command::new("/usr/bin/setpriv");
            command.args(["--reuid=65534", "--regid=65534", "--clear-groups", HCQ]);
            command
        };
        // `nobody` may not reach the binary (a checkout under /root, say).
        if !nobody()
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
        {
            return None;
        }
        nobody()
    };
    Some(command.args(args).output().expect("hcq runs"))
}

#[test]
fn an_unreadable_file_is_an_io_failure() {
    let scratch = Scratch::new("unreadable");
    let file = scratch.file("secret.hcq", "id > 1\n");
    let _ = Command::new("chmod").arg("000").arg(&file).status();
    let Some(output) = run_unprivileged(&["check", file.to_str().unwrap()]) else {
        return;
    };
    let stderr = sane(&output);
    assert_eq!(code(&output), 2, "{stderr}");
    assert!(stderr.contains("cannot read"), "{stderr}");
}

#[test]
fn usage_errors_follow_the_message_format() {
    let output = run(&["check", "--message-format", "json", "--bogus\u{1b}"], b"");
    let stderr = sane(&output);
    assert_eq!(code(&output), 2);
    let value: serde_json::Value = serde_json::from_str(stderr.trim()).expect("one JSON object");
    assert_eq!(value["code"], "hcq::usage");
    // Found by the `binary` fuzz target: JSON leaves DEL and the C1
    // controls raw unless hcq escapes them.
    let name = "missing\u{7f}\u{9b}31m\u{202e}.hcq";
    let output = run(&["check", "--message-format", "json", name], b"");
    let stderr = sane(&output);
    assert_eq!(code(&output), 2);
    let value: serde_json::Value = serde_json::from_str(stderr.trim()).expect("one JSON object");
    assert_eq!(value["source"], name);
    let output = run(&["check", &"x".repeat(100_000)], b"");
    let stderr = sane(&output);
    assert_eq!(code(&output), 2);
    assert!(stderr.len() < 4_000, "{}", stderr.len());
}

/// Runs `hcq fmt FILE` in a shell that limits the size of files it may
/// write to `blocks` of 512 bytes, with SIGXFSZ `ignored` or not.
fn fmt_under_size_limit(file: &Path, blocks: u32, ignored: bool) -> Output {
    let trap = if ignored { "trap '' XFSZ; " } else { "" };
    Command::new("sh")
        .arg("-c")
        .arg(format!("{trap}ulimit -f {blocks}; exec \"$0\" fmt \"$1\""))
        .arg(HCQ)
        .arg(file)
        .output()
        .expect("sh runs")
}

#[test]
fn fmt_never_loses_the_file_when_writing_fails() {
    let scratch = Scratch::new("fsize");
    // Unformatted, and larger than 512 bytes once formatted.
    let original = (0..40)
        .map(|i| format!("segment s{i}\n    email   ~   gmail   and   id   >   {i}\n"))
        .collect::<String>();
    let file = scratch.file("big.hcq", &original);

    // With the signal ignored, the write fails with EFBIG: an I/O failure.
    let output = fmt_under_size_limit(&file, 1, true);
    let stderr = sane(&output);
    assert_eq!(code(&output), 2, "{stderr}");
    assert!(stderr.contains("cannot write"), "{stderr}");
    assert!(
        !stderr.contains(".tmp"),
        "names a file that is gone: {stderr}"
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), original);
    assert_eq!(scratch.names(), ["big.hcq"], "a temporary file was left");

    // With the signal's default action hcq handles it itself: the same
    // failure, not a death by signal that would leave the temporary file.
    let output = fmt_under_size_limit(&file, 1, false);
    let stderr = sane(&output);
    assert_eq!(code(&output), 2, "{stderr}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), original);
    assert_eq!(scratch.names(), ["big.hcq"], "a temporary file was left");

    // And with room, it is rewritten, keeping its mode.
    let _ = Command::new("chmod").arg("640").arg(&file).status();
    let output = run(&["fmt", file.to_str().unwrap()], b"");
    sane(&output);
    assert_eq!(code(&output), 0);
    let formatted = std::fs::read_to_string(&file).unwrap();
    assert!(
        formatted.starts_with("segment s0\n  email ~ gmail and id > 0\n"),
        "{formatted}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o640);
    }
}

#[test]
fn fmt_follows_a_symbolic_link_to_its_target() {
    let scratch = Scratch::new("symlink");
    let target = scratch.file("real.hcq", "id   >   1\n");
    let link = scratch.0.join("link.hcq");
    #[cfg(unix)]
    std::os::unix::fs::symlink(&target, &link).expect("a symlink");
    #[cfg(unix)]
    {
        let output = run(&["fmt", link.to_str().unwrap()], b"");
        sane(&output);
        assert_eq!(code(&output), 0);
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "id > 1\n");
    }
}

#[test]
fn a_full_disk_on_stdout_is_an_io_failure() {
    let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
        return;
    };
    let output = Command::new(HCQ)
        .args(["emit", "-e", "id > 1"])
        .stdout(full)
        .output()
        .expect("hcq runs");
    let stderr = sane(&output);
    assert_eq!(code(&output), 2);
    assert!(stderr.contains("cannot write output"), "{stderr}");
}

#[test]
fn twenty_thousand_broken_segments_end_quickly_and_briefly() {
    let text: String = (0..20_000)
        .map(|i| format!("segment s{i}\n  emial ~ x{i}\n"))
        .collect();
    let output = run_with(&["check", "-"], text.as_bytes(), Duration::from_secs(60));
    let stderr = sane(&output);
    assert_eq!(code(&output), 1);
    assert!(
        stderr.contains("19950 more problems not shown"),
        "{}",
        &stderr[stderr.len() - 300..]
    );

    let output = run_with(
        &["check", "--message-format", "json", "-"],
        text.as_bytes(),
        Duration::from_secs(60),
    );
    // Every problem in JSON, each one line; bounded per line, not in all.
    assert_eq!(code(&output), 1);
    let stderr = String::from_utf8(output.stderr).expect("UTF-8");
    assert_eq!(stderr.lines().count(), 20_000);
}

#[test]
fn a_truncated_one_line_export_is_reported_in_a_window() {
    let scratch = Scratch::new("export");
    let records: Vec<String> = (0..5_000)
        .map(|i| {
            format!("{{\"id\":{i},\"lastSeen\":\"1700000000\",\"email\":\"u{i}@example.com\"}}")
        })
        .collect();
    let mut export = format!("{{\"data\":[{}],\"total\":5000}}", records.join(","));
    export.truncate(export.len() - 40);
    let file = scratch.file("export.json", &export);
    for format in ["human", "json"] {
        let output = run(
            &[
                "eval",
                "-e",
                "id > 1",
                "--message-format",
                format,
                "--contacts",
                file.to_str().unwrap(),
            ],
            b"",
        );
        let stderr = sane(&output);
        assert_eq!(code(&output), 1, "{stderr}");
        assert!(stderr.len() < 4_000, "{stderr}");
        if format == "json" {
            let value: serde_json::Value =
                serde_json::from_str(stderr.trim()).expect("one JSON object");
            assert!(
                value["code"].as_str().unwrap().starts_with("hcq::contacts"),
                "{value}"
            );
        }
    }
}

#[test]
fn fmt_in_a_read_only_directory_fails_cleanly() {
    let scratch = Scratch::new("readonly");
    let original = "id   >   1\n";
    let file = scratch.file("a.hcq", original);
    let _ = Command::new("chmod").arg("555").arg(&scratch.0).status();
    let output = run_unprivileged(&["fmt", file.to_str().unwrap()]);
    let _ = Command::new("chmod").arg("755").arg(&scratch.0).status();
    let Some(output) = output else {
        return;
    };
    let stderr = sane(&output);
    assert_eq!(code(&output), 2, "{stderr}");
    assert!(
        stderr.contains("cannot create a temporary file"),
        "{stderr}"
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), original);
    assert_eq!(scratch.names(), ["a.hcq"]);
}

#[test]
fn hcq_alone_prints_the_whole_help() {
    let output = run(&[], b"");
    let stderr = sane(&output);
    assert_eq!(code(&output), 2);
    assert!(
        stderr.contains("Commands:") && stderr.contains("Exit status"),
        "{stderr}"
    );
    assert!(!stderr.contains('…'), "{stderr}");
}

#[test]
fn a_cycle_through_two_thousand_segments_on_one_line_is_reported_briefly() {
    let n = 2_000;
    let text: String = (0..n)
        .map(|i| format!("segment s{i} @s{} ", (i + 1) % n))
        .collect();
    let output = run(&["check", "-"], text.as_bytes());
    let stderr = sane(&output);
    assert_eq!(code(&output), 1);
    assert!(stderr.len() < 10_000, "{} bytes", stderr.len());
    assert!(
        stderr.contains("1990 more places are not shown"),
        "{stderr}"
    );
}

#[test]
fn text_for_people_on_stdout_shows_control_characters() {
    let scratch = Scratch::new("stdout");
    let file = scratch.file("seg\u{1b}[31mred\u{7}.hcq", "segment a\n  city = x\n");
    let output = run(&["list", file.to_str().unwrap()], b"");
    sane(&output);
    let stdout = String::from_utf8(output.stdout).expect("UTF-8");
    assert!(stdout.contains("seg␛[31mred␇.hcq"), "{stdout}");
    let output = run(&["explain", "-e", "city = \"\u{1b}[2J\u{9b}\""], b"");
    sane(&output);
    let stdout = String::from_utf8(output.stdout).expect("UTF-8");
    assert!(
        !stdout.chars().any(|c| c.is_control() && c != '\n'),
        "{stdout}"
    );
}

#[test]
fn fmt_rewrites_a_file_with_the_longest_name_allowed() {
    let scratch = Scratch::new("longname");
    let name = format!("{}.hcq", "a".repeat(245));
    let file = scratch.file(&name, "id   >   1\n");
    let output = run(&["fmt", file.to_str().unwrap()], b"");
    let stderr = sane(&output);
    assert_eq!(code(&output), 0, "{stderr}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "id > 1\n");
}

#[test]
fn eval_refuses_a_segment_name_for_an_expression() {
    let output = run(
        &["eval", "-e", "id > 1", "--segment", "a", "--contacts", "-"],
        b"[]",
    );
    let stderr = sane(&output);
    assert_eq!(code(&output), 2, "{stderr}");
    assert!(stderr.contains("holds one expression"), "{stderr}");
}

#[test]
fn standard_input_is_read_once() {
    for args in [&["check", "-", "-"][..], &["eval", "-", "--contacts", "-"]] {
        let output = run(args, b"id > 1");
        let stderr = sane(&output);
        assert_eq!(code(&output), 2, "{args:?}: {stderr}");
        assert!(stderr.contains("read only once"), "{stderr}");
    }
}
