//! A throw-away PostgreSQL server for the tests: `initdb` into a temp dir (password login for user `sync`), then
//! `postgres` on a free loopback port with its socket in the same dir, stopped (fast shutdown) and removed on
//! drop. As root (CI), both run as the `postgres` system user, which owns the dir: initdb refuses root. A server
//! that cannot start fails the test with its log; nothing is skipped.
#![allow(dead_code)] // each test file uses a different subset

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const USER: &str = "sync";
pub const PASSWORD: &str = "pg-test-password";
pub const DB: &str = "postgres";

pub struct PgServer {
    pub port: u16,
    child: Child,
    dir: tempfile::TempDir,
}

/// The directory of `initdb` and `postgres`: `pg_config --bindir`, else the newest `/usr/lib/postgresql/*/bin`.
fn bindir() -> PathBuf {
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output() {
        let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if out.status.success() && dir.join("initdb").exists() {
            return dir;
        }
    }
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.path().join("bin"))
                .collect()
        })
        .unwrap_or_default();
    found.retain(|p| p.join("initdb").exists());
    found.sort_by_key(|p| {
        p.parent()
            .and_then(|v| v.file_name())
            .and_then(|v| v.to_str())
            .and_then(|v| v.parse::<u32>().ok())
            .unwrap_or(0)
    });
    found.pop().unwrap_or_else(|| {
        panic!(
            "PostgreSQL's server binaries were not found (no pg_config --bindir, nothing in /usr/lib/postgresql/*/bin): \
             install the Debian package `postgresql` (.ci/deps.sh does)"
        )
    })
}

fn running_as_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(2).map(|e| e == "0"))
        })
        .unwrap_or(false)
}

fn id_of(flag: &str) -> u32 {
    let out = Command::new("id")
        .args([flag, "postgres"])
        .output()
        .expect("`id` runs");
    assert!(
        out.status.success(),
        "running as root, the tests start PostgreSQL as the `postgres` system user, which does not exist: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().parse().unwrap()
}

/// `program` as the user that owns the server: `postgres` (via setpriv, which execs, so the pid is the server's)
/// when we are root, else ourselves.
fn command(program: &Path, owner: Option<(u32, u32)>) -> Command {
    match owner {
        Some((uid, gid)) => {
            let mut c = Command::new("setpriv");
            c.arg(format!("--reuid={uid}"))
                .arg(format!("--regid={gid}"))
                .arg("--clear-groups")
                .arg("--")
                .arg(program);
            c
        }
        None => Command::new(program),
    }
}

fn chown(path: &Path, owner: Option<(u32, u32)>) {
    if let Some((uid, gid)) = owner {
        std::os::unix::fs::chown(path, Some(uid), Some(gid)).unwrap();
    }
}

impl PgServer {
    pub fn start() -> PgServer {
        PgServer::start_with(None)
    }

    /// A server that also accepts TLS with this certificate and key (PEM); `url_tls` asks for it.
    pub fn start_tls(cert_pem: &str, key_pem: &str) -> PgServer {
        PgServer::start_with(Some((cert_pem, key_pem)))
    }

    fn start_with(tls: Option<(&str, &str)>) -> PgServer {
        let bin = bindir();
        let owner = running_as_root().then(|| (id_of("-u"), id_of("-g")));
        // As root, under /tmp: the `postgres` user must be able to reach the dir (a TMPDIR under /root it cannot).
        let parent = match owner {
            Some(_) => PathBuf::from("/tmp"),
            None => std::env::temp_dir(),
        };
        let dir = tempfile::Builder::new()
            .prefix("syncflow-pg-")
            .tempdir_in(parent)
            .unwrap();
        chown(dir.path(), owner);
        let pwfile = dir.path().join("pw");
        std::fs::write(&pwfile, PASSWORD).unwrap();
        chown(&pwfile, owner);
        let data = dir.path().join("data");
        let out = command(&bin.join("initdb"), owner)
            .arg("-D")
            .arg(&data)
            .args([
                "-U",
                USER,
                "-A",
                "scram-sha-256",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ])
            .arg(format!("--pwfile={}", pwfile.display()))
            .output()
            .expect("initdb runs");
        assert!(
            out.status.success(),
            "initdb failed (the PostgreSQL tests need a server of their own):\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut ssl: Vec<String> = Vec::new();
        if let Some((cert, key)) = tls {
            use std::os::unix::fs::PermissionsExt;
            for (name, pem) in [("server.crt", cert), ("server.key", key)] {
                let path = dir.path().join(name);
                std::fs::write(&path, pem).unwrap();
                // PostgreSQL refuses a key others can read.
                std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
                chown(&path, owner);
            }
            ssl = vec![
                "-c".into(),
                "ssl=on".into(),
                "-c".into(),
                format!("ssl_cert_file={}", dir.path().join("server.crt").display()),
                "-c".into(),
                format!("ssl_key_file={}", dir.path().join("server.key").display()),
            ];
        }
        let log = std::fs::File::create(dir.path().join("server.log")).unwrap();
        let child = command(&bin.join("postgres"), owner)
            .arg("-D")
            .arg(&data)
            .arg("-p")
            .arg(port.to_string())
            .arg("-k")
            .arg(dir.path())
            .args(["-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"])
            .args(["-c", "full_page_writes=off", "-c", "max_connections=40"])
            .args(&ssl)
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("postgres starts");
        let mut server = PgServer { port, child, dir };
        server.wait_ready(&bin);
        server
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }

    /// Until the server takes logins: it accepts TCP a moment before it stops answering "the database system is
    /// starting up", so `pg_isready` (exit 0 only once connections are accepted) decides, not a bare connect.
    fn wait_ready(&mut self, bin: &std::path::Path) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "PostgreSQL exited ({status}) before accepting connections:\n{}",
                    self.log()
                );
            }
            let ready = Command::new(bin.join("pg_isready"))
                .args([
                    "-q",
                    "-h",
                    "127.0.0.1",
                    "-p",
                    &self.port.to_string(),
                    "-d",
                    DB,
                ])
                .args(["-U", USER])
                .status()
                .is_ok_and(|s| s.success());
            if ready {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "PostgreSQL did not accept connections on port {} within 60 s:\n{}",
                self.port,
                self.log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Plain TCP (the server has no certificate unless started with `start_tls`).
    pub fn url(&self) -> String {
        format!("postgres://127.0.0.1:{}/{DB}?sslmode=disable", self.port)
    }

    /// TLS required (the server must have been started with `start_tls`).
    pub fn url_tls(&self, host: &str) -> String {
        format!("postgres://{host}:{}/{DB}", self.port)
    }

    /// A client of the test's own, to look at what SyncFlow wrote.
    pub async fn client(&self) -> tokio_postgres::Client {
        let (client, conn) = tokio_postgres::Config::new()
            .host("127.0.0.1")
            .port(self.port)
            .user(USER)
            .password(PASSWORD)
            .dbname(DB)
            .connect(tokio_postgres::NoTls)
            .await
            .expect("the test connects to its PostgreSQL server");
        tokio::spawn(conn);
        client
    }
}

impl Drop for PgServer {
    fn drop(&mut self) {
        // SIGINT: fast shutdown (the server's own children end with it, unlike after a SIGKILL).
        let _ = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
