//! The TCP socket under a WebSocket, so that a client that stopped reading can be dropped.
//!
//! actix-http stops polling a response body once its write buffer is full, and flushes before it
//! closes a connection: a client that keeps its receive window at zero would hold the socket, its
//! buffers and a connection slot for as long as TCP keeps the connection up. Resetting the socket
//! makes the pending write fail, and the dispatcher drops the connection.

use std::any::Any;
use std::os::fd::{AsRawFd, BorrowedFd, RawFd};
use std::rc::{Rc, Weak};
use std::time::Duration;

use actix_web::dev::Extensions;
use actix_web::rt::net::TcpStream;

/// A connection's socket, kept in actix-web's per-connection data.
pub struct Socket {
    fd: RawFd,
}

impl Socket {
    /// For `HttpServer::on_connect`: remembers the socket of every TCP connection.
    pub fn remember(connection: &dyn Any, data: &mut Extensions) {
        if let Some(tcp) = connection.downcast_ref::<TcpStream>() {
            data.insert(Rc::new(Socket { fd: tcp.as_raw_fd() }));
        }
    }

    /// The socket of the connection `req` came on, as long as that connection lives.
    pub(crate) fn of(req: &actix_web::HttpRequest) -> Option<Weak<Socket>> {
        req.conn_data::<Rc<Socket>>().map(Rc::downgrade)
    }
}

/// Drops the connection at once: linger off, so closing sends a reset rather than waiting for the
/// peer to take what is queued, and both directions shut, so the dispatcher's next write fails.
/// Does nothing once the connection is gone.
pub(crate) fn reset(socket: &Weak<Socket>) {
    // The upgrade succeeds only while actix-http's connection data is alive, and the dispatcher
    // that owns the descriptor holds it: the descriptor is this connection's, not a reused one.
    // Both run on this thread, so the connection cannot end during the calls below.
    let Some(socket) = socket.upgrade() else { return };
    // SAFETY: `socket.fd` is open for as long as `socket` (see above), and it is only borrowed here.
    let fd = unsafe { BorrowedFd::borrow_raw(socket.fd) };
    let socket = socket2::SockRef::from(&fd);
    let _ = socket.set_linger(Some(Duration::ZERO));
    let _ = socket.shutdown(std::net::Shutdown::Both);
}
