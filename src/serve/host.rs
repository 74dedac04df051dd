//! Which `Host` the preview answers: the guard against DNS rebinding.
//!
//! A page on any web site can point a name it owns (`attacker.example`) at 127.0.0.1 once the
//! browser has loaded it, and then read the preview as its own origin: drafts and all. The
//! request still names the attacker's host, so the preview answers only hosts nobody else can
//! point anywhere: `localhost` and IP literals (a rebinding needs a DNS name), on the port it
//! listens on, plus the names the user vouches for with `--allow-host`. Every other request,
//! on every route, gets a 403 that says how to let it in.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::diagnostics::{Diagnostic, Failure};

/// The port a `Host` without one means (the preview speaks plain HTTP only).
const DEFAULT_PORT: u16 = 80;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Name {
    Ip(IpAddr),
    /// Lower case, without a trailing dot: `localhost.` is the same DNS name as `localhost`.
    Dns(String),
}

/// A parsed `Host` value, or an `--allow-host` one.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Authority {
    name: Name,
    port: Option<u16>,
}

impl Authority {
    fn parse(raw: &str) -> Option<Authority> {
        let (name, port) = if let Some(rest) = raw.strip_prefix('[') {
            let (ip, after) = rest.split_once(']')?;
            let port = match after {
                "" => None,
                p => Some(p.strip_prefix(':')?),
            };
            (Name::Ip(IpAddr::V6(ip.parse::<Ipv6Addr>().ok()?)), port)
        } else {
            // More than one colon is an IPv6 address without its brackets: not a valid Host.
            let (host, port) = match raw.split_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (raw, None),
            };
            (dns_or_v4(host)?, port)
        };
        let port = match port {
            None => None,
            // `u16::from_str` would take a sign too.
            Some(p) if !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()) => {
                Some(p.parse().ok()?)
            }
            Some(_) => return None,
        };
        Some(Authority { name, port })
    }
}

fn dns_or_v4(host: &str) -> Option<Name> {
    if let Ok(ip) = host.parse::<Ipv4Addr>() {
        return Some(Name::Ip(IpAddr::V4(ip)));
    }
    let name = host.strip_suffix('.').unwrap_or(host);
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && l.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    (name.len() <= 253 && name.split('.').all(label_ok))
        .then(|| Name::Dns(name.to_ascii_lowercase()))
}

/// Why a request was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    Missing,
    Malformed(String),
    /// A DNS name nobody vouched for.
    Foreign(String),
    /// `localhost` or an IP address, but on a port the preview does not listen on.
    OtherPort {
        host: String,
        port: u16,
    },
}

/// The hosts one running preview answers.
#[derive(Debug)]
pub struct Policy {
    port: u16,
    allowed: Vec<Authority>,
}

impl Policy {
    /// `port` is the one the preview listens on; `allow` holds the `--allow-host` values.
    pub fn new(port: u16, allow: &[String]) -> Result<Policy, Failure> {
        let allowed = allow
            .iter()
            .map(|a| {
                Authority::parse(a).ok_or_else(|| {
                    Failure::Usage(
                        Diagnostic::error(format!("--allow-host `{a}` is not a host name"))
                            .with_hint("give the name as the browser's address bar shows it, without http:// or a path, e.g. --allow-host preview.example.org (add :PORT to allow only that port)"),
                    )
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(Policy { port, allowed })
    }

    /// Checks the request's `Host` value (`None`: the request had none).
    pub fn check(&self, host: Option<&str>) -> Result<(), Refusal> {
        let raw = host.ok_or(Refusal::Missing)?;
        let a = Authority::parse(raw).ok_or_else(|| Refusal::Malformed(raw.to_string()))?;
        let port = a.port.unwrap_or(DEFAULT_PORT);
        // A name the user vouched for is trusted on any port unless they named one: behind a
        // proxy or a tunnel the browser's port is rarely the one the preview listens on.
        if self
            .allowed
            .iter()
            .any(|x| x.name == a.name && x.port.is_none_or(|p| p == port))
        {
            return Ok(());
        }
        let shown = match &a.name {
            Name::Ip(IpAddr::V6(ip)) => format!("[{ip}]"),
            Name::Ip(ip) => ip.to_string(),
            Name::Dns(n) => n.clone(),
        };
        let local = match &a.name {
            Name::Ip(_) => true,
            Name::Dns(n) => n == "localhost",
        };
        if !local {
            return Err(Refusal::Foreign(shown));
        }
        // Browsers always send the port they connected to (unless it is 80), so another port
        // means something in between forwarded it: allowed only when the user says so.
        if port != self.port {
            return Err(Refusal::OtherPort { host: shown, port });
        }
        Ok(())
    }

    /// The 403 text: what was refused, why, and how to let it in.
    pub fn explain(&self, refusal: &Refusal) -> String {
        let why = "The preview answers only localhost and IP addresses, so that a web page on another site cannot read it (through DNS rebinding).";
        match refusal {
            Refusal::Missing => format!(
                "briefing serve refused this request: it has no Host header, so it cannot be told apart from one meant for another site.\nBrowsers always send one; with another client, send `Host: 127.0.0.1:{}`.\n",
                self.port
            ),
            Refusal::Malformed(raw) => format!(
                "briefing serve refused this request: its Host header `{}` is not a host name or address.\n{why}\n",
                printable(raw)
            ),
            Refusal::Foreign(name) => format!(
                "briefing serve refused this request for the host `{name}`.\n{why}\nIf you trust `{name}` (your own proxy, tunnel or hosts-file entry), restart briefing serve with `--allow-host {name}` added.\n"
            ),
            Refusal::OtherPort { host, port } => format!(
                "briefing serve refused this request for `{host}` on port {port}: the preview listens on port {}.\nIf you forwarded port {port} to the preview yourself (ssh -L, a container), restart briefing serve with `--allow-host {host}:{port}` added.\n",
                self.port
            ),
        }
    }
}

/// Shows at most 100 characters of an untrusted header, control characters escaped.
fn printable(raw: &str) -> String {
    let mut s: String = raw
        .chars()
        .take(100)
        .flat_map(char::escape_default)
        .collect();
    if raw.chars().count() > 100 {
        s.push_str("...");
    }
    s
}

/// The middleware every route of the preview goes through.
pub async fn guard(State(policy): State<Arc<Policy>>, req: Request, next: Next) -> Response {
    let mut hosts = req.headers().get_all(header::HOST).iter();
    let verdict = match (hosts.next(), hosts.next()) {
        (None, _) => Err(Refusal::Missing),
        (Some(v), None) => match v.to_str() {
            Ok(h) => policy.check(Some(h)),
            Err(_) => Err(Refusal::Malformed(
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )),
        },
        (Some(_), Some(_)) => Err(Refusal::Malformed("(more than one Host header)".into())),
    }
    // A request line with a full URL (`GET http://attacker.example/`) names its host there;
    // it must pass too.
    .and_then(|()| match req.uri().authority() {
        Some(a) => policy.check(Some(a.as_str())),
        None => Ok(()),
    });
    match verdict {
        Ok(()) => next.run(req).await,
        Err(refusal) => {
            let mut res = (StatusCode::FORBIDDEN, policy.explain(&refusal)).into_response();
            let h = res.headers_mut();
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; charset=utf-8"),
            );
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            h.insert(
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            );
            res
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(allow: &[&str]) -> Policy {
        let allow: Vec<String> = allow.iter().map(|s| s.to_string()).collect();
        Policy::new(1111, &allow).unwrap()
    }

    #[test]
    fn local_names_on_the_preview_port_are_answered() {
        let p = policy(&[]);
        for ok in [
            "localhost:1111",
            "LOCALHOST:1111",
            "localhost.:1111",
            "127.0.0.1:1111",
            "[::1]:1111",
            "[0:0:0:0:0:0:0:1]:1111",
            // Under --bind 0.0.0.0 the machine's own addresses: any IP literal is safe.
            "192.168.1.20:1111",
            "[fe80::1]:1111",
            "0.0.0.0:1111",
        ] {
            assert_eq!(p.check(Some(ok)), Ok(()), "{ok}");
        }
    }

    #[test]
    fn dns_names_are_refused_unless_allowed() {
        let p = policy(&[]);
        for name in [
            "attacker.example",
            "attacker.example:1111",
            "ATTACKER.example.:1111",
            "localhost.attacker.example:1111",
            "127.0.0.1.attacker.example:1111",
            "sub.localhost:1111",
        ] {
            assert!(
                matches!(p.check(Some(name)), Err(Refusal::Foreign(_))),
                "{name}"
            );
        }
        assert_eq!(
            p.check(Some("Attacker.Example.:1111")),
            Err(Refusal::Foreign("attacker.example".into()))
        );
    }

    #[test]
    fn another_port_is_refused() {
        let p = policy(&[]);
        assert_eq!(
            p.check(Some("localhost")),
            Err(Refusal::OtherPort {
                host: "localhost".into(),
                port: 80
            })
        );
        assert_eq!(
            p.check(Some("127.0.0.1:8080")),
            Err(Refusal::OtherPort {
                host: "127.0.0.1".into(),
                port: 8080
            })
        );
        assert!(matches!(
            p.check(Some("[::1]:1112")),
            Err(Refusal::OtherPort { .. })
        ));
        // On port 80 the browser leaves the port out.
        let p80 = Policy::new(80, &[]).unwrap();
        assert_eq!(p80.check(Some("localhost")), Ok(()));
        assert_eq!(p80.check(Some("127.0.0.1:80")), Ok(()));
    }

    #[test]
    fn missing_and_malformed_hosts_are_refused() {
        let p = policy(&[]);
        assert_eq!(p.check(None), Err(Refusal::Missing));
        for bad in [
            "",
            ":1111",
            "localhost:",
            "localhost:+1111",
            "localhost:99999",
            "localhost:1111:1111",
            "::1",
            "::1:1111",
            "[::1",
            "[::1]1111",
            "[localhost]:1111",
            "local host:1111",
            "localhost/x:1111",
            "user@localhost:1111",
            "a..b:1111",
            ".:1111",
            "localhost..:1111",
        ] {
            assert!(
                matches!(p.check(Some(bad)), Err(Refusal::Malformed(_))),
                "{bad:?}: {:?}",
                p.check(Some(bad))
            );
        }
    }

    #[test]
    fn allowed_names_match_on_any_port_or_the_one_given() {
        let p = policy(&["Preview.Example.org", "localhost:8080", "[::1]:9000"]);
        assert_eq!(p.check(Some("preview.example.org")), Ok(()));
        assert_eq!(p.check(Some("preview.example.org:1111")), Ok(()));
        assert_eq!(p.check(Some("PREVIEW.example.org.:443")), Ok(()));
        assert_eq!(p.check(Some("localhost:8080")), Ok(()));
        assert_eq!(p.check(Some("[::1]:9000")), Ok(()));
        assert!(p.check(Some("localhost:8081")).is_err());
        assert!(p.check(Some("other.example.org")).is_err());
        assert!(p.check(Some("example.org")).is_err());
        assert!(p.check(Some("x.preview.example.org")).is_err());
    }

    #[test]
    fn bad_allow_host_values_are_usage_errors() {
        for bad in [
            "http://x.example",
            "x.example/",
            "",
            "x.example:port",
            "a b",
        ] {
            let r = Policy::new(1111, &[bad.to_string()]);
            assert!(matches!(r, Err(Failure::Usage(_))), "{bad:?}");
        }
    }

    #[test]
    fn the_refusal_says_how_to_allow_the_host() {
        let p = policy(&[]);
        let text = p.explain(&Refusal::Foreign("attacker.example".into()));
        assert!(text.contains("--allow-host attacker.example"), "{text}");
        let text = p.explain(&Refusal::OtherPort {
            host: "localhost".into(),
            port: 8080,
        });
        assert!(text.contains("--allow-host localhost:8080"), "{text}");
        let text = p.explain(&Refusal::Malformed("a\u{1b}[2Jb".into()));
        assert!(!text.contains('\u{1b}'), "{text:?}");
    }
}
