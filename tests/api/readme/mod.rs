//! The README stays true: its tables of close codes, settings and metric families are checked
//! against the code they describe, as the topic table is (`contracts::topic_table`).

mod close_codes;
pub mod metrics_table;
mod settings_table;

/// The rows of the first table under the heading line `heading`, header and separator left
/// out, each row as its trimmed cells.
fn table_rows(heading: &str) -> Vec<Vec<String>> {
    table_rows_after(heading, |line| line == heading)
}

/// The rows of the first table after the first line that `starts` says starts it (and before the
/// next heading), as [`table_rows`] gives them; `what` names it in the failure.
fn table_rows_after(what: &str, starts: impl Fn(&str) -> bool) -> Vec<Vec<String>> {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README.md is readable");
    let heading = what;
    let section: Vec<&str> =
        readme.lines().skip_while(|line| !starts(line)).skip(1).take_while(|line| !line.starts_with('#')).collect();
    let rows: Vec<Vec<String>> = section
        .iter()
        .skip_while(|line| !line.starts_with('|'))
        .take_while(|line| line.starts_with('|'))
        .skip(2)
        .map(|line| cells(line))
        .collect();
    assert!(!rows.is_empty(), "README.md has no table under `{heading}`");
    rows
}

/// The cells of a table row: split at `|` outside code spans, so a `|` inside backticks stays.
fn cells(row: &str) -> Vec<String> {
    let mut cells = Vec::new();
    let mut cell = String::new();
    let mut in_code = false;
    for c in row.trim().trim_start_matches('|').trim_end_matches('|').chars() {
        match c {
            '`' => in_code = !in_code,
            '|' if !in_code => {
                cells.push(cell.trim().to_owned());
                cell.clear();
                continue;
            }
            _ => {}
        }
        cell.push(c);
    }
    cells.push(cell.trim().to_owned());
    cells
}

/// The text inside each code span of a cell, in order.
fn code_spans(cell: &str) -> Vec<&str> {
    cell.split('`').skip(1).step_by(2).collect()
}
