//! How a user session reaches one of its connections: the socket's outbox for frames, and a
//! recipient for close commands. Sessions and the registry hold handles; the connection actor
//! makes its own when it joins.

use actix::{Message, Recipient};

use crate::close::CloseReason;
use crate::outbox::Outbox;

/// How a session reaches a connection. Frames go straight into the socket's outbox, from the
/// session's thread: a message to the connection actor for each frame would cost a mailbox hop
/// and a wake-up of the actor, which is most of what fanning out costs beyond the socket write.
#[derive(Clone)]
pub struct ConnectionHandle {
    /// The connection's id, unique in this process.
    pub id: u64,
    /// Where frames go.
    pub outbox: Outbox,
    /// Where close commands go (a recipient, so tests can stand in a recording actor).
    pub close: Recipient<Close>,
}

/// Close the socket with a catalogued reason.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Close {
    /// The close code and reason.
    pub reason: CloseReason,
}
