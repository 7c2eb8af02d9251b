//! The JSON-lines loop both diagnostics share: one JSON object in per line, one JSON object out per line. A bad
//! line produces an error line and the loop goes on; only a broken stdin/stdout stops it.

use std::io::{BufRead, BufWriter, Write};

/// Runs `f` on every non-blank line of stdin and writes its answer (one line of JSON text) to stdout.
pub fn each_line(mut f: impl FnMut(&str) -> String) -> anyhow::Result<()> {
    let stdin = std::io::stdin().lock();
    let mut out = BufWriter::new(std::io::stdout().lock());
    for line in stdin.lines() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        out.write_all(f(&line).as_bytes())?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(())
}
