//! A private nginx for a test: its own prefix, config and temp folders in a temporary folder,
//! serving one folder on a loopback port, with gzip on as a production server would have it.
//! Killed when dropped.

// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

use std::fs;
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use tempfile::TempDir;

/// What nginx compresses besides text/html (always compressed under `gzip on`): the theme's CSS
/// and JS, JSON, SVG, feeds and the sitemap. Pagefind's index files are gzipped already.
const GZIP_TYPES: &str = "text/css application/javascript text/javascript application/json \
                          image/svg+xml application/xml text/xml application/atom+xml";

pub struct Nginx {
    child: Child,
    pub port: u16,
    _dir: TempDir,
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Nginx {
    /// Starts `bin` serving `root` on a free port, after `prepare(port)` (e.g. a build for that
    /// port's base URL). The port is free when chosen, but another process may take it before
    /// nginx binds it: then a new port, and `prepare` again.
    pub fn on_free_port(bin: &Path, root: &Path, mut prepare: impl FnMut(u16)) -> Nginx {
        let mut last_error = String::new();
        for _attempt in 0..5 {
            let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
                .and_then(|l| l.local_addr())
                .expect("cannot find a free port")
                .port();
            prepare(port);
            match Nginx::start(bin, root, port) {
                Ok(n) => return n,
                Err(e) => last_error = e,
            }
        }
        panic!("nginx did not start after 5 attempts; last error:\n{last_error}");
    }

    /// Starts `bin` serving `root` on 127.0.0.1:`port`. An error (nginx exited, or did not
    /// listen within 10 s) carries nginx's own log; the port being taken is the usual one.
    pub fn start(bin: &Path, root: &Path, port: u16) -> Result<Nginx, String> {
        let dir = tempfile::tempdir().expect("cannot create a temp dir");
        let d = dir.path();
        for t in ["body", "proxy", "fcgi", "uwsgi", "scgi"] {
            fs::create_dir_all(d.join("tmp").join(t)).unwrap();
        }
        fs::create_dir_all(d.join("logs")).unwrap();
        let mime = Path::new("/etc/nginx/mime.types");
        let types = if mime.is_file() {
            format!("include {};", mime.display())
        } else {
            "types { text/html html; text/css css; application/javascript js; \
             application/json json; image/svg+xml svg; application/xml xml; }"
                .to_string()
        };
        let dp = d.display();
        let conf = format!(
            "daemon off;\nmaster_process off;\npid \"{dp}/nginx.pid\";\nerror_log stderr warn;\nevents {{}}\n\
             http {{\n  {types}\n  access_log off;\n\
             client_body_temp_path \"{dp}/tmp/body\";\n  proxy_temp_path \"{dp}/tmp/proxy\";\n\
             fastcgi_temp_path \"{dp}/tmp/fcgi\";\n  uwsgi_temp_path \"{dp}/tmp/uwsgi\";\n\
             scgi_temp_path \"{dp}/tmp/scgi\";\n\
             gzip on;\n  gzip_types {GZIP_TYPES};\n\
             server {{\n    listen 127.0.0.1:{port};\n    root \"{}\";\n\
             error_page 404 /404.html;\n\
             location / {{ try_files $uri $uri/ =404; }}\n  }}\n}}\n",
            root.display()
        );
        let conf_path = d.join("nginx.conf");
        fs::write(&conf_path, conf).unwrap();
        let stderr_path = d.join("nginx.stderr");
        let stderr = fs::File::create(&stderr_path).unwrap();
        let child = Command::new(bin)
            .arg("-p")
            .arg(d)
            .arg("-e")
            .arg("stderr")
            .arg("-c")
            .arg(&conf_path)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", bin.display()));
        let mut nginx = Nginx {
            child,
            port,
            _dir: dir,
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Ok(Some(status)) = nginx.child.try_wait() {
                let log = fs::read_to_string(&stderr_path).unwrap_or_default();
                return Err(format!("nginx exited with {status} on port {port}:\n{log}"));
            }
            if TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_ok() {
                return Ok(nginx);
            }
            if Instant::now() > deadline {
                let log = fs::read_to_string(&stderr_path).unwrap_or_default();
                return Err(format!(
                    "nginx did not listen on port {port} within 10 s:\n{log}"
                ));
            }
            thread::sleep(Duration::from_millis(20));
        }
    }
}
