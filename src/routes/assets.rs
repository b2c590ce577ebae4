//! The browser files the binary carries: the client library at `/client/hub-client.js` and the
//! dashboard under `/dashboard/`. npm builds them from `clients/` into `assets/`, where they are
//! committed, so `cargo build` needs no Node.js; CI checks that the committed files are exactly
//! what the sources build to.

use std::sync::LazyLock;

use actix_web::http::header::{self, HeaderValue};
use actix_web::{web, HttpRequest, HttpResponse};
use sha2::{Digest, Sha256};

use super::origin;
use crate::state::AppState;

/// The pages' policy: nothing but the hub's own origin, no inline script or style, no framing.
const CONTENT_SECURITY_POLICY: &str =
    "default-src 'self'; script-src 'self'; connect-src 'self'; object-src 'none'; frame-ancestors 'none'; \
     base-uri 'none'; form-action 'none'";

/// One embedded file and the path it is served at.
struct Asset {
    path: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

macro_rules! asset {
    ($path:literal, $file:literal, $content_type:expr) => {
        Asset { path: $path, content_type: $content_type, body: include_bytes!(concat!("../../assets/", $file)) }
    };
}

const HTML: &str = "text/html; charset=utf-8";
const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";
const SVG: &str = "image/svg+xml";

/// The client library's browser build, importable as an ES module.
const CLIENT: Asset = asset!("/client/hub-client.js", "client/hub-client.js", JS);

/// The signed-in user's live feed, on the public listener.
const FEED_PAGE: &[Asset] =
    &[asset!("/dashboard/", "dashboard/index.html", HTML), asset!("/dashboard/feed.js", "dashboard/feed.js", JS)];

/// The operators' page, beside `/status` (on `server.admin_addr` when that is set).
const ADMIN_PAGE: &[Asset] = &[
    asset!("/dashboard/admin", "dashboard/admin.html", HTML),
    asset!("/dashboard/admin.js", "dashboard/admin.js", JS),
];

/// What both pages load.
const SHARED: &[Asset] = &[
    asset!("/dashboard/dashboard.css", "dashboard/dashboard.css", CSS),
    asset!("/dashboard/favicon.svg", "dashboard/favicon.svg", SVG),
];

/// The client library, and the feed page with what it loads.
pub(crate) fn public(cfg: &mut web::ServiceConfig) {
    cfg.route(CLIENT.path, web::get().to(client));
    cfg.route("/dashboard", web::get().to(to_dashboard));
    for asset in FEED_PAGE {
        cfg.route(asset.path, web::get().to(move |req: HttpRequest| async move { page(&req, asset) }));
    }
}

/// The admin page, and the files both pages share (served once per listener, so registered
/// here: the admin routes join the public listener when there is no admin listener).
pub(crate) fn admin(cfg: &mut web::ServiceConfig) {
    for asset in ADMIN_PAGE.iter().chain(SHARED) {
        cfg.route(asset.path, web::get().to(move |req: HttpRequest| async move { page(&req, asset) }));
    }
}

/// `GET /client/hub-client.js`: readable by pages of the allowed origins, which import it by its
/// absolute URL (a cross-origin module script needs CORS).
async fn client(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let mut response = file(&req, &CLIENT);
    let origin = req.headers().get(header::ORIGIN).and_then(|o| o.to_str().ok());
    let headers = response.headers_mut();
    headers.insert(header::VARY, HeaderValue::from_static("Origin"));
    if let Some(origin) = origin.filter(|o| origin::listed(o, &state.settings.server.allowed_origins)) {
        if let Ok(value) = HeaderValue::from_str(origin) {
            headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, value);
        }
    }
    response
}

/// `GET /dashboard`: the feed lives at `/dashboard/`, whose relative paths need the slash.
async fn to_dashboard() -> HttpResponse {
    HttpResponse::PermanentRedirect().insert_header((header::LOCATION, "/dashboard/")).finish()
}

/// A dashboard file, under the pages' security headers.
fn page(req: &HttpRequest, asset: &'static Asset) -> HttpResponse {
    let mut response = file(req, asset);
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONTENT_SECURITY_POLICY));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}

/// The file with its type, revalidated on every use (the names carry no content hash), and 304
/// when the browser's copy is current.
fn file(req: &HttpRequest, asset: &'static Asset) -> HttpResponse {
    let etag = etag(asset);
    let cached = req.headers().get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok());
    let current = cached.is_some_and(|tags| tags.split(',').any(|t| t.trim() == etag));
    let mut response = if current { HttpResponse::NotModified() } else { HttpResponse::Ok() };
    response
        .insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"));
    if current {
        return response.finish();
    }
    response.content_type(asset.content_type).body(asset.body)
}

/// Each file's entity tag: a digest of its bytes, computed once.
fn etag(asset: &Asset) -> &'static str {
    static TAGS: LazyLock<Vec<(&'static str, String)>> =
        LazyLock::new(|| all().map(|a| (a.path, format!("\"{}\"", &hex(&Sha256::digest(a.body))[..32]))).collect());
    TAGS.iter().find(|(path, _)| *path == asset.path).map(|(_, tag)| tag.as_str()).expect("every asset is listed")
}

fn all() -> impl Iterator<Item = &'static Asset> {
    std::iter::once(&CLIENT).chain(FEED_PAGE).chain(ADMIN_PAGE).chain(SHARED)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file the npm build adds to `assets/dashboard/` must be served, not silently left out.
    #[test]
    fn every_built_dashboard_file_is_served() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/dashboard");
        let mut built: Vec<String> = std::fs::read_dir(&dir)
            .expect("assets/dashboard exists")
            .map(|entry| entry.expect("readable").file_name().to_string_lossy().into_owned())
            .collect();
        built.sort();
        let mut served: Vec<String> = all()
            .filter(|a| a.path.starts_with("/dashboard/"))
            .map(|a| match a.path {
                "/dashboard/" => "index.html".to_owned(),
                "/dashboard/admin" => "admin.html".to_owned(),
                path => path.trim_start_matches("/dashboard/").to_owned(),
            })
            .collect();
        served.sort();
        assert_eq!(built, served);
    }

    #[test]
    fn each_file_has_its_own_tag() {
        let tags: std::collections::HashSet<&str> = all().map(etag).collect();
        assert_eq!(tags.len(), all().count());
    }
}
