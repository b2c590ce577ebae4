//! The README's `/metrics` table is what a fresh instance exposes: every family it lists is
//! there from the first scrape, at zero, with every label value the row names, and of the type
//! the row says. A row that says its series "appears" later (a label only known later) is
//! exempt from the first scrape.

use std::collections::BTreeMap;

use super::{code_spans, table_rows_after};

/// One family the README lists.
#[derive(Debug)]
pub struct Family {
    pub name: String,
    /// `counter`, `gauge` or `histogram`.
    pub kind: String,
    /// Label names, each with the values the row lists (none: any value).
    pub labels: Vec<(String, Vec<String>)>,
    /// Present only once something happens, as its row says.
    pub appears_later: bool,
}

/// Every family of the README's `/metrics` table.
pub fn documented_families() -> Vec<Family> {
    let mut families = Vec::new();
    let rows = table_rows_after("GET /metrics", |line| line.starts_with("**`GET /metrics`**"));
    for cells in rows {
        let [series, kind] = cells.as_slice() else { panic!("a metrics row has two cells: {cells:?}") };
        let kind = kind.split(|c: char| !c.is_alphabetic()).next().unwrap().trim_end_matches('s').to_owned();
        assert!(["counter", "gauge", "histogram"].contains(&kind.as_str()), "{cells:?}: type `{kind}`");
        for span in code_spans(series) {
            // A `|` in a table cell is written `\|`.
            let span = span.replace("\\|", "|");
            let span = span.as_str();
            let (name, labels) = match span.split_once('{') {
                Some((name, labels)) => (name, labels.trim_end_matches('}')),
                None => (span, ""),
            };
            let labels = labels
                .split(',')
                .filter(|label| !label.is_empty())
                .map(|label| match label.split_once('=') {
                    Some((label, values)) => {
                        (label.to_owned(), values.split('|').map(|v| v.trim_matches('"').to_owned()).collect())
                    }
                    None => (label.to_owned(), Vec::new()),
                })
                .collect();
            let appears_later = kind_cell_says_later(&cells[1]);
            families.push(Family { name: name.to_owned(), kind: kind.clone(), labels, appears_later });
        }
    }
    assert!(families.len() > 20, "the table was read: {families:?}");
    families
}

fn kind_cell_says_later(cell: &str) -> bool {
    cell.contains("appears")
}

/// The exposition's samples: series (name and labels, as written) to value; and `# TYPE`s.
pub struct Exposition {
    pub samples: BTreeMap<String, f64>,
    pub types: BTreeMap<String, String>,
}

pub fn parse_exposition(text: &str) -> Exposition {
    let (mut samples, mut types) = (BTreeMap::new(), BTreeMap::new());
    for line in text.lines() {
        if let Some(declared) = line.strip_prefix("# TYPE ") {
            let (name, kind) = declared.split_once(' ').expect("# TYPE name kind");
            types.insert(name.to_owned(), kind.to_owned());
        } else if !line.starts_with('#') && !line.is_empty() {
            let (series, value) = line.rsplit_once(' ').expect("a sample is `series value`");
            samples.insert(series.to_owned(), value.parse().expect("a number"));
        }
    }
    Exposition { samples, types }
}

/// Asserts that `text` (a fresh instance's `/metrics`, with Kafka on) has every family the README
/// lists, at zero, with each listed label value, of the listed type: the `hub_redis_*` families
/// only when `clustered`, as the README says.
pub fn assert_every_documented_family_at_zero(text: &str, clustered: bool) {
    let exposition = parse_exposition(text);
    let expected = |family: &&Family| !family.appears_later && (clustered || !family.name.starts_with("hub_redis_"));
    for family in documented_families().iter().filter(expected) {
        let name = &family.name;
        assert_eq!(exposition.types.get(name), Some(&family.kind), "`{name}`'s type in /metrics:\n{text}");
        let series: Vec<(&String, &f64)> = exposition
            .samples
            .iter()
            .filter(|(series, _)| {
                let base = series.split('{').next().unwrap();
                base == name || (family.kind == "histogram" && base.strip_prefix(name.as_str()).is_some())
            })
            .collect();
        assert!(!series.is_empty(), "`{name}` is missing from a fresh /metrics:\n{text}");
        for (series, value) in &series {
            assert_eq!(**value, 0.0, "`{series}` on a fresh instance");
        }
        for (label, values) in &family.labels {
            for value in values {
                let wanted = format!("{label}=\"{value}\"");
                assert!(series.iter().any(|(s, _)| s.contains(&wanted)), "`{name}{{{wanted}}}` is missing:\n{text}");
            }
            assert!(series.iter().all(|(s, _)| s.contains(&format!("{label}=\""))), "`{name}` has label `{label}`");
        }
    }
}
