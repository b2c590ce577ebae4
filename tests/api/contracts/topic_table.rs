//! The topic table is complete, consistent with the platform's twins, and
//! renders the README table.

use std::collections::BTreeSet;

use hub::contracts::{topics, Basis, TopicSpec};
use serde_json::Value;

use super::fixtures::{decode_fixture, envelope_files, read};

fn markdown(specs: &[&TopicSpec]) -> String {
    let mut table = String::from(
        "| topic | event | category | priority | user found by | ownership facts | twin | producer |\n\
         | --- | --- | --- | --- | --- | --- | --- | --- |\n",
    );
    for spec in specs {
        let (event, category, priority) = match spec.classification() {
            Some(classification) => (
                format!("`{}`", classification.event),
                classification.category.as_str().to_owned(),
                match spec.priority_note {
                    Some(note) => format!("{} ({note})", classification.priority),
                    None => classification.priority.to_string(),
                },
            ),
            None => ("`data.notification_type`".to_owned(), "`data.category`".to_owned(), "`data.priority`".to_owned()),
        };
        table.push_str(&format!(
            "| `{}` | {event} | {category} | {priority} | {} | {} | {} | {} |\n",
            spec.topic,
            spec.user_found_by,
            spec.learns.map_or("—", Basis::describe),
            spec.twin.unwrap_or("—"),
            if spec.has_producer { "yes" } else { "no" },
        ));
    }
    table
}

#[test]
fn the_table_covers_exactly_the_example_topics_once_each() {
    let specs: Vec<&TopicSpec> = topics().collect();
    let topics: BTreeSet<&str> = specs.iter().map(|spec| spec.topic).collect();
    assert_eq!(topics.len(), specs.len(), "a topic appears twice");
    let examples: BTreeSet<String> =
        envelope_files("examples").into_iter().map(|file| file.trim_end_matches(".json").to_owned()).collect();
    let topics: BTreeSet<String> = topics.into_iter().map(str::to_owned).collect();
    assert_eq!(topics, examples);
}

#[test]
fn the_readme_table_is_the_generated_one() {
    let specs: Vec<&TopicSpec> = topics().collect();
    let table = markdown(&specs);
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README.md is readable");
    assert!(readme.contains(&table), "README.md's topic table is stale; replace it with:\n{table}");
}

#[test]
fn a_single_twin_is_classified_like_the_platform_classifies_it() {
    for spec in topics() {
        let (Some(twin), Some(classification)) = (spec.twin, spec.classification()) else {
            continue;
        };
        if twin.contains(',') {
            continue;
        }
        let envelope: Value = serde_json::from_slice(&read(&format!("examples/teacher_notifications/{twin}.json")))
            .expect("twin example is JSON");
        let data = &envelope["data"];
        assert_eq!(classification.event, twin, "{}", spec.topic);
        assert_eq!(data["category"], classification.category.as_str(), "{}", spec.topic);
        assert_eq!(data["priority"], classification.priority.as_str(), "{}", spec.topic);
        assert_eq!(data["action_required"], classification.action_required, "{}", spec.topic);
    }
}

#[test]
fn every_listed_twin_is_a_platform_notification_type() {
    let known: BTreeSet<String> = envelope_files("examples/teacher_notifications")
        .into_iter()
        .map(|file| file.trim_end_matches(".json").to_owned())
        .collect();
    for spec in topics() {
        for twin in spec.twin.into_iter().flat_map(|twins| twins.split(", ")) {
            assert!(known.contains(twin), "{}: unknown twin {twin}", spec.topic);
        }
    }
}

#[test]
fn a_topic_whose_events_prove_ownership_says_what_the_facts_rest_on() {
    let mut examples: Vec<(String, String)> = envelope_files("examples")
        .into_iter()
        .map(|file| (file.trim_end_matches(".json").to_owned(), format!("examples/{file}")))
        .collect();
    let teacher_topic = "huleedu.notification.teacher.requested.v1";
    for file in envelope_files("examples/teacher_notifications") {
        examples.push((teacher_topic.to_owned(), format!("examples/teacher_notifications/{file}")));
    }
    let mut with_facts = BTreeSet::new();
    for (topic, path) in &examples {
        if !decode_fixture(topic, path).notification.ownership.is_empty() {
            with_facts.insert(topic.as_str());
        }
    }
    for spec in topics() {
        if with_facts.contains(spec.topic) {
            assert!(spec.learns.is_some(), "{}: its events prove ownership; say what on", spec.topic);
        }
    }
    let established: Vec<&str> =
        topics().filter(|spec| spec.learns == Some(Basis::Owner)).map(|spec| spec.topic).collect();
    assert!(established.contains(&"huleedu.class.created.v1"), "a class's creation establishes its owner");
    assert!(
        topics().any(|spec| spec.topic == "huleedu.class.student.created.v1" && spec.learns == Some(Basis::Actor)),
        "adding a student names who acted, not who owns the class"
    );
}
