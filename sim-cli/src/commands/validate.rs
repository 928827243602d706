//! `dsim validate`: parse and check files without running them.

use super::{print, Outcome};
use crate::cli::ValidateArgs;
use crate::input;

/// Prints `ok: FILE` for each valid file and the problems of each invalid one
/// (to stderr); goes on after a bad file so that one call shows them all.
pub fn validate(args: &ValidateArgs) -> anyhow::Result<Outcome> {
    let mut outcome = Outcome::Ok;
    for file in &args.files {
        match input::load(file, &[]) {
            Ok(_) => print(&format!("ok: {file}\n"))?,
            Err(e) => {
                crate::report_error(&e);
                outcome = Outcome::BadInput;
            }
        }
    }
    Ok(outcome)
}
