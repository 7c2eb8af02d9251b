//! `syncflow-bench`: the whole pipeline over loopback. Starts the `syncflow-sim` binary as a child process (so its
//! in-memory ScheduleHub does not count in our memory), runs a full sync of N items into it, changes 1% of the rows,
//! runs the incremental sync (and with `--full-resync` a second full sync, which reads every row against a full record
//! index: the shape of a nightly full refresh), and prints durations, rows/s per stage and the peak RSS of this
//! process.

use clap::Parser;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};
use syncflow_core::app::SyncFlow;
use syncflow_core::config_file::ConfigFile;
use syncflow_core::pipeline::{RunOptions, RunOutcome};
use syncflow_core::secrets::{MemoryStore, Secret, SecretStore};
use syncflow_core::store::Db;

// The same allocator as syncflow-cli and the app, so the figures are the ones users get.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    about = "Full + 1% incremental sync of N items, simulators in a child process; prints throughput and peak RSS"
)]
struct Args {
    #[arg(long, default_value_t = 100_000)]
    items: u64,
    /// Rows per APISmith page (at most 10,000).
    #[arg(long, default_value_t = 5_000)]
    page_size: u32,
    /// Share of rows changed before the incremental run.
    #[arg(long, default_value_t = 0.01)]
    changed: f64,
    #[arg(long, default_value_t = 0.0)]
    bad_row_ratio: f64,
    /// Database file; a temporary one when absent.
    #[arg(long)]
    db: Option<std::path::PathBuf>,
    /// After the incremental sync, a full sync again (every row read and looked up, all but the changed ones skipped).
    #[arg(long)]
    full_resync: bool,
}

struct Sim(Child);

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A `/proc/self/status` memory line (`VmHWM`, `RssAnon`, `RssFile`), in MB.
fn status_mb(key: &str) -> f64 {
    proc_status_mb("/proc/self/status", key)
}

/// A `/proc/PID/status` memory line of another process (the simulators), in MB.
fn status_mb_of(pid: u32, key: &str) -> f64 {
    proc_status_mb(&format!("/proc/{pid}/status"), key)
}

fn proc_status_mb(path: &str, key: &str) -> f64 {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(key))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// Bytes this process has caused to be written to storage (`write_bytes` of `/proc/self/io`: the database, its WAL).
fn written_bytes() -> f64 {
    std::fs::read_to_string("/proc/self/io")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("write_bytes:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|b| b.parse::<f64>().ok())
        })
        .unwrap_or(f64::NAN)
}

/// CPU seconds (user + system) a process has used so far, from `/proc/PID/stat` (`USER_HZ` is 100 on Linux).
fn cpu_secs(pid: &str) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| {
            // Fields after the `(comm)`, which may contain spaces: state is field 3, utime 14, stime 15.
            let rest = s.rsplit_once(')')?.1;
            let f: Vec<&str> = rest.split_whitespace().collect();
            Some((f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?) / 100.0)
        })
        .unwrap_or(f64::NAN)
}

/// CPU used by the sync process and by the simulators over one run, and what the sync process wrote to storage.
struct Cpu {
    sync: f64,
    sim: f64,
    written: f64,
}

impl Cpu {
    fn now(sim_pid: u32) -> Cpu {
        Cpu {
            sync: cpu_secs("self"),
            sim: cpu_secs(&sim_pid.to_string()),
            written: written_bytes(),
        }
    }
    fn since(&self, sim_pid: u32) -> Cpu {
        let n = Cpu::now(sim_pid);
        Cpu {
            sync: n.sync - self.sync,
            sim: n.sim - self.sim,
            written: n.written - self.written,
        }
    }
}

fn report(label: &str, o: &RunOutcome, wall: Duration, cpu: &Cpu) {
    let c = o.report.counters;
    let s = o.report.stage_ms;
    let rate = |ms: u64| {
        if ms == 0 {
            f64::INFINITY
        } else {
            c.fetched as f64 / (ms as f64 / 1000.0)
        }
    };
    println!(
        "{label}: {:?} in {:.2}s — {} fetched, {} inserted, {} updated, {} skipped, {} failed ({:.0} rows/s end to end)",
        o.status,
        wall.as_secs_f64(),
        c.fetched,
        c.inserted,
        c.updated,
        c.skipped,
        c.failed,
        c.fetched as f64 / wall.as_secs_f64()
    );
    println!(
        "  stages (busy time; they overlap): fetch {} ms ({:.0} rows/s), normalize+identity {} ms ({:.0} rows/s), \
         load {} ms ({:.0} rows/s) [delta {} ms, writes in flight {} ms, ScheduleHub writes {} ms], checkpoint {} ms ({:.0} rows/s)",
        s.fetch,
        rate(s.fetch),
        s.transform,
        rate(s.transform),
        s.load,
        rate(s.load),
        s.delta,
        s.in_flight,
        s.writes,
        s.checkpoint,
        rate(s.checkpoint)
    );
    match o.report.key_map {
        Some(keys) => println!(
            "  key map: {keys} keys in {} ms (records found by id, not through the key table)",
            s.key_map
        ),
        None => println!("  key map: none (records found through the key table and the tail)"),
    }
    println!(
        "  CPU: sync process {:.1} s, simulators {:.1} s ({:.0}% of the two cores over the run); \
         the sync process wrote {:.0} MB to storage",
        cpu.sync,
        cpu.sim,
        100.0 * (cpu.sync + cpu.sim) / (2.0 * wall.as_secs_f64()),
        cpu.written / 1e6
    );
}

/// The highest heap-and-stacks (`RssAnon`) and file-backed (`RssFile`) residency seen, sampled every 50 ms: which of
/// the two makes the peak.
#[derive(Default)]
struct PeakParts {
    anon: std::sync::atomic::AtomicU64,
    file: std::sync::atomic::AtomicU64,
}

impl PeakParts {
    fn watch() -> Arc<PeakParts> {
        let p = Arc::new(PeakParts::default());
        let w = p.clone();
        std::thread::spawn(move || loop {
            use std::sync::atomic::Ordering::Relaxed;
            w.anon.fetch_max(status_mb("RssAnon:") as u64, Relaxed);
            w.file.fetch_max(status_mb("RssFile:") as u64, Relaxed);
            std::thread::sleep(Duration::from_millis(50));
        });
        p
    }
}

fn main() -> anyhow::Result<()> {
    let a = Args::parse();
    let peaks = PeakParts::watch();
    let (ap, sp) = (free_port(), free_port());
    let sim_bin = std::env::current_exe()?.with_file_name("syncflow-sim");
    anyhow::ensure!(
        sim_bin.exists(),
        "{} not found: build it first (cargo build --release -p syncflow-sim)",
        sim_bin.display()
    );
    let sim = Sim(Command::new(&sim_bin)
        .args([
            "--apismith-port",
            &ap.to_string(),
            "--schedulehub-port",
            &sp.to_string(),
        ])
        .args([
            "--items",
            &a.items.to_string(),
            "--bad-row-ratio",
            &a.bad_row_ratio.to_string(),
        ])
        .stdout(Stdio::null())
        .spawn()?);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let tmp = tempfile::tempdir()?;
    let db_path = a.db.clone().unwrap_or_else(|| tmp.path().join("bench.db"));
    let db = Db::open(&db_path)?;
    let secrets = MemoryStore::default();
    secrets.set("connection:erp", &Secret::new("sync"))?;
    secrets.set("connection:plan", &Secret::new("sync"))?;
    let app = SyncFlow::new(db, Arc::new(secrets) as Arc<dyn SecretStore>);
    let config = format!(
        r#"
[connections.erp]
kind = "apismith"
url = "http://127.0.0.1:{ap}"
username = "sync"
[connections.plan]
kind = "schedulehub"
url = "http://127.0.0.1:{sp}"
username = "sync"
[entities.sites]
source = "erp"
slug = "sites"
target = "plan"
[entities.inventory_items]
source = "erp"
slug = "inventory-items"
target = "plan"
page_size = {ps}
[entities.inventory_items.parents.site]
entity = "sites"
fields = {{ SITE_ID = "SITE_ID" }}
"#,
        ps = a.page_size
    );
    let file: ConfigFile = toml::from_str(&config)?;
    rt.block_on(async {
        // The simulator needs a moment to listen.
        let client = reqwest_free_wait(ap).await;
        anyhow::ensure!(client, "the simulator did not start");
        app.apply_config(&file).await?;
        let opts = RunOptions {
            full: false,
            trigger: "bench".into(),
            row_budget: None,
        };
        app.run("sites", opts.clone()).await?;
        let sim_pid = sim.0.id();
        let (t, cpu) = (Instant::now(), Cpu::now(sim_pid));
        let full = app.run("inventory_items", opts.clone()).await?;
        report(
            &format!("full sync of {} items", a.items),
            &full,
            t.elapsed(),
            &cpu.since(sim_pid),
        );
        let changed = (a.items as f64 * a.changed).round() as u64;
        mutate(ap, changed).await?;
        let (t, cpu) = (Instant::now(), Cpu::now(sim_pid));
        let inc = app.run("inventory_items", opts.clone()).await?;
        report(
            &format!("incremental after {changed} changed rows"),
            &inc,
            t.elapsed(),
            &cpu.since(sim_pid),
        );
        if a.full_resync {
            mutate(ap, changed).await?;
            let (t, cpu) = (Instant::now(), Cpu::now(sim_pid));
            let opts = RunOptions { full: true, ..opts };
            let again = app.run("inventory_items", opts).await?;
            report(
                &format!("full sync again after {changed} changed rows"),
                &again,
                t.elapsed(),
                &cpu.since(sim_pid),
            );
        }
        Ok::<_, anyhow::Error>(())
    })?;
    // File-backed pages are SQLite's memory-mapped database (`mmap_size`): resident, but the kernel's to drop.
    println!(
        "peak RSS of the sync process: {:.0} MB (now: {:.0} MB heap and stacks, {:.0} MB file-backed); \
         simulators (another process, not counted): peak {:.0} MB",
        status_mb("VmHWM:"),
        status_mb("RssAnon:"),
        status_mb("RssFile:"),
        status_mb_of(sim.0.id(), "VmHWM:")
    );
    println!(
        "  highest seen: {} MB heap and stacks, {} MB file-backed",
        peaks.anon.load(std::sync::atomic::Ordering::Relaxed),
        peaks.file.load(std::sync::atomic::Ordering::Relaxed)
    );
    Ok(())
}

async fn reqwest_free_wait(port: u16) -> bool {
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

/// `POST /_sim/mutate` over a plain socket (the bench needs no HTTP client of its own for one call).
async fn mutate(port: u16, update: u64) -> anyhow::Result<()> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let body = format!(r#"{{"slug":"inventory-items","update":{update}}}"#);
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port)).await?;
    s.write_all(
        format!(
            "POST /_sim/mutate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .as_bytes(),
    )
    .await?;
    let mut out = String::new();
    s.read_to_string(&mut out).await?;
    anyhow::ensure!(out.starts_with("HTTP/1.1 200"), "mutation refused: {out}");
    Ok(())
}
