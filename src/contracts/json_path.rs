//! Paths to a value inside the envelope, as errors name them:
//! `data.payload.message`, `data.associations[2].student_id`.

use std::fmt::Write;

use crate::contracts::error::echo;

/// One step into a JSON value.
#[derive(Debug)]
pub(crate) enum Segment {
    /// An object key.
    Key(String),
    /// An array index.
    Index(usize),
}

/// A path collected while unwinding out of a nested value, so segments
/// arrive innermost first; nothing is allocated until something fails.
#[derive(Debug, Default)]
pub(crate) struct UnwoundPath(Vec<Segment>);

impl UnwoundPath {
    /// Adds the segment that encloses everything added so far.
    pub(crate) fn push(&mut self, segment: Segment) {
        self.0.push(segment);
    }

    /// The dotted path below `root` (`""` for the envelope itself). Long
    /// keys are shortened so a hostile key cannot bloat an error.
    pub(crate) fn render(&self, root: &str) -> String {
        let mut path = root.to_owned();
        for segment in self.0.iter().rev() {
            match segment {
                Segment::Key(key) => {
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(&echo(key));
                }
                Segment::Index(index) => {
                    // Writing to a String cannot fail.
                    let _ = write!(path, "[{index}]");
                }
            }
        }
        path
    }
}

#[cfg(test)]
mod tests {
    use super::{Segment, UnwoundPath};

    #[test]
    fn renders_outermost_first() {
        let mut path = UnwoundPath::default();
        path.push(Segment::Key("student_id".to_owned()));
        path.push(Segment::Index(2));
        path.push(Segment::Key("associations".to_owned()));
        assert_eq!(path.render("data"), "data.associations[2].student_id");
        assert_eq!(path.render(""), "associations[2].student_id");
    }
}
