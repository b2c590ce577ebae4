//! Which browser origins may open a socket or import the client library: the hub's own origin
//! without configuration, and the ones `server.allowed_origins` lists.

use actix_web::http::header;
use actix_web::HttpRequest;

/// Whether the browser page that sent `req` may use the hub. A request without `Origin` (a
/// non-browser client) may.
pub(crate) fn allowed(req: &HttpRequest, allowed_origins: &[String]) -> bool {
    let Some(origin) = req.headers().get(header::ORIGIN) else { return true };
    let origin = origin.to_str().unwrap_or_default();
    let host = req.headers().get(header::HOST).and_then(|h| h.to_str().ok());
    listed(origin, allowed_origins) || host.is_some_and(|host| same_origin(origin, host))
}

/// `origin` is on the allow-list (`*` allows every origin).
pub(crate) fn listed(origin: &str, allowed_origins: &[String]) -> bool {
    allowed_origins.iter().any(|a| a == "*" || a.eq_ignore_ascii_case(origin))
}

/// The page comes from the hub itself: the origin's host and port equal the `Host` header's. The
/// scheme and `X-Forwarded-*` are not compared, so the dashboard works under any host name and
/// behind a proxy that forwards `Host` with its port; a port left out is the scheme's default.
fn same_origin(origin: &str, host: &str) -> bool {
    let Some((scheme, authority)) = origin.split_once("://") else { return false };
    let default_port = match scheme.to_ascii_lowercase().as_str() {
        "http" => "80",
        "https" => "443",
        _ => return false,
    };
    match (host_and_port(authority, default_port), host_and_port(host, default_port)) {
        (Some(origin), Some(host)) => origin == host,
        _ => false,
    }
}

/// `host[:port]` (or `[v6]:port`) lowercased, with the default port filled in; `None` when it is
/// not an authority (a path, user info or an empty host).
fn host_and_port(authority: &str, default_port: &str) -> Option<(String, String)> {
    if authority.is_empty() || authority.contains(['/', '@', '?', '#']) {
        return None;
    }
    let (host, port) = match authority.rfind(':') {
        Some(colon) if !authority[colon..].contains(']') => (&authority[..colon], &authority[colon + 1..]),
        _ => (authority, ""),
    };
    if host.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let port = if port.is_empty() { default_port } else { port.trim_start_matches('0') };
    Some((host.to_ascii_lowercase(), port.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hubs_own_origin_is_its_host_and_port() {
        assert!(same_origin("http://127.0.0.1:8080", "127.0.0.1:8080"));
        assert!(same_origin("https://Hub.Example", "hub.example"));
        assert!(same_origin("https://hub.example", "hub.example:443"));
        assert!(same_origin("http://hub.example:80", "hub.example"));
        assert!(same_origin("http://[::1]:8080", "[::1]:8080"));
        // The scheme is not compared: a TLS-terminating proxy forwards Host as the browser sent it.
        assert!(same_origin("https://hub.example:8443", "hub.example:8443"));
    }

    #[test]
    fn another_host_or_port_is_not_the_hubs_origin() {
        assert!(!same_origin("http://127.0.0.1:8081", "127.0.0.1:8080"));
        assert!(!same_origin("https://hub.example", "hub.example:80"));
        assert!(!same_origin("http://evil.example", "hub.example"));
        assert!(!same_origin("http://hub.example.evil.example", "hub.example"));
        assert!(!same_origin("http://[::1]:8080", "[::2]:8080"));
        assert!(!same_origin("null", "hub.example"));
        assert!(!same_origin("file://", "hub.example"));
        assert!(!same_origin("http://user@hub.example", "hub.example"));
        assert!(!same_origin("http://hub.example:80x", "hub.example"));
        assert!(!same_origin("http://", ""));
    }

    #[test]
    fn the_list_matches_whole_origins_ignoring_case() {
        let list = vec!["https://app.example".to_owned()];
        assert!(listed("https://APP.example", &list));
        assert!(!listed("https://app.example.evil", &list));
        assert!(listed("https://any.example", &["*".to_owned()]));
    }
}
