//! The README's "Close codes" table is the engine's catalogue, `hub_actors::CloseReason`: a
//! client author reads the table, the hub sends the catalogue.

use std::collections::BTreeMap;

use hub_actors::CloseReason;

use super::{code_spans, table_rows};

/// One documented close code.
#[derive(Debug)]
struct Row {
    /// The reason text, as the table quotes it.
    reason: String,
    /// Whether the "The client should" column says to reconnect.
    reconnect: bool,
}

/// The table's rows by code.
fn documented() -> BTreeMap<u16, Row> {
    let mut rows = BTreeMap::new();
    for cells in table_rows("### Close codes") {
        let [code, reason, _meaning, advice] = cells.as_slice() else {
            panic!("a close-code row has four cells: {cells:?}");
        };
        let code: u16 = code.parse().unwrap_or_else(|_| panic!("`{code}` is not a close code"));
        let [reason] = code_spans(reason)[..] else {
            panic!("{code}: the reason is quoted once, in backticks: {reason}");
        };
        let row = Row { reason: reason.to_owned(), reconnect: advice.to_lowercase().contains("reconnect") };
        assert!(rows.insert(code, row).is_none(), "{code} has two rows");
    }
    rows
}

#[test]
fn every_close_reason_is_a_readme_row_with_its_code_and_reason() {
    let documented = documented();
    for reason in CloseReason::ALL {
        let row = documented
            .get(&reason.code())
            .unwrap_or_else(|| panic!("{reason:?} ({}) has no row in the README's close codes", reason.code()));
        assert_eq!(row.reason, reason.reason(), "the README's reason for {} ({reason:?})", reason.code());
    }
}

#[test]
fn every_readme_close_code_row_is_a_close_reason() {
    for code in documented().keys() {
        assert!(
            CloseReason::ALL.iter().any(|reason| reason.code() == *code),
            "the README documents close code {code}, which the hub never sends"
        );
    }
}

#[test]
fn the_readme_says_reconnect_exactly_where_the_catalogue_does() {
    let documented = documented();
    for reason in CloseReason::ALL {
        let Some(row) = documented.get(&reason.code()) else { continue };
        assert_eq!(
            row.reconnect,
            reason.should_reconnect(),
            "the README's advice for {} ({reason:?}) should {}mention reconnecting",
            reason.code(),
            if reason.should_reconnect() { "" } else { "not " },
        );
    }
}
