//! Plays the output of `stackc build --target podman` for the `fixtures/podman-*` projects on a
//! real Podman 5.4 and checks inside the running containers that compose's behaviour survived:
//! secret and config files at the compose paths, environment, a volume shared through a PVC,
//! dependencies started first, devices passed through, published ports, service-name DNS.
//! Quadlet (`quadlet -dryrun`) must accept the `--quadlet` unit of every fixture.
//!
//! Podman runs in the sandbox of `../shared/tools/podman5-sandbox.sh` (Debian trixie's podman in
//! a private mount namespace; `PODMAN5_SANDBOX` overrides the path). It needs root and, the
//! first time, `debootstrap` and network access to a Debian mirror. Without them the test fails:
//! it never skips. Every podman call runs under `timeout`, and each fixture's pods, volumes and
//! secrets are removed by name afterwards, even when a check fails.

#[path = "podman/build.rs"]
mod podman;
mod support;

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Seconds any one podman call may take; `kube down` waits out one-second grace periods.
const CALL_TIMEOUT: &str = "120";
/// First setup: debootstrap plus apt inside the sandbox, about 40 s on an idle machine.
const SETUP_TIMEOUT: &str = "900";
/// How long a check is retried while the containers start.
const SETTLE: Duration = Duration::from_secs(20);

/// Fixtures that are built but not played, with the reason.
const NOT_PLAYED: &[(&str, &str)] = &[(
    "podman-gpu",
    "needs an NVIDIA GPU and its CDI specification on the host",
)];

/// Where a check looks.
#[derive(Debug, Clone, Copy)]
enum Probe {
    /// `podman exec CONTAINER sh -c SCRIPT`.
    Exec(&'static str, &'static str),
    /// `podman ARGS...` on the host side (inspect, healthcheck).
    Podman(&'static [&'static str]),
    /// An HTTP GET of `/` on this host port.
    Http(u16),
}

/// What the output must be.
#[derive(Debug, Clone, Copy)]
enum Expect {
    /// The trimmed output, exactly.
    Is(&'static str),
    /// The output contains this.
    Contains(&'static str),
}

use Expect::{Contains, Is};
use Probe::{Exec, Http, Podman};

#[allow(clippy::too_many_lines, reason = "one table of every fixture's checks")]
fn checks(fixture: &str) -> &'static [(Probe, Expect)] {
    match fixture {
        "podman-configs" => &[
            (
                Exec("proxy-proxy", "cat /etc/nginx/conf.d/default.conf"),
                Is("server {\n  listen 8080;\n}"),
            ),
            (
                Exec("proxy-proxy", "cat /banner"),
                Is("welcome to podman-configs"),
            ),
            (
                Exec(
                    "app-app",
                    "cat /app/settings.ini; stat -c %a /app/settings.ini",
                ),
                Is("[app]\ndebug = false\n440"),
            ),
        ],
        "podman-depends" => &[(Exec("web-web", "cat /log/order"), Is("db\napi\nweb"))],
        "podman-pid" => &[
            (
                Exec(
                    "app-debug",
                    "ps -o args | grep -q '^sleep 1001' && echo shared",
                ),
                Is("shared"),
            ),
            (Exec("app-app", "cat /proc/1/comm"), Is("catatonit")),
        ],
        "podman-devices" => &[
            (
                Exec(
                    "transcoder-transcoder",
                    "test -c /dev/fuse && echo fuse-is-a-device",
                ),
                Is("fuse-is-a-device"),
            ),
            (
                Exec(
                    "transcoder-transcoder",
                    "head -c 3 /dev/myzero | od -An -tx1",
                ),
                Is("00 00 00"),
            ),
            (
                Podman(&[
                    "inspect",
                    "transcoder-transcoder",
                    "--format",
                    "{{range .HostConfig.Devices}}{{.PathOnHost}} {{end}}",
                ]),
                Contains("/dev/fuse"),
            ),
            (
                Exec("web-web", "test -c /dev/null && echo null-ok"),
                Is("null-ok"),
            ),
            (
                Exec("web-web", "test -c /dev/net/tun && echo directory-passed"),
                Is("directory-passed"),
            ),
        ],
        "podman-dns" => &[
            (
                Exec("client-client", "wget -qO- http://server:8080/"),
                Is("served-by-server"),
            ),
            (
                Exec("client-client", "wget -qO- \"$SERVER_URL\""),
                Is("served-by-server"),
            ),
        ],
        "podman-env" => &[
            (
                Exec(
                    "api-api",
                    "echo \"$GREETING|$LOG_LEVEL|$FROM_FILE|$LITERAL\"",
                ),
                Is("hello world|debug|yes|cost $(date) and $$ saved"),
            ),
            (
                Exec("worker-worker", "cat /tmp/started"),
                Is("started with jobs $(literal)"),
            ),
        ],
        "podman-healthcheck" => &[
            (
                Podman(&[
                    "inspect",
                    "db-db",
                    "--format",
                    "{{.Config.Healthcheck.Test}}",
                ]),
                Contains("test -f /tmp/ready"),
            ),
            (Podman(&["healthcheck", "run", "db-db"]), Is("")),
        ],
        "podman-job" => &[
            (Exec("app-app", "cat /tmp/seen"), Is("schema-v2")),
            (
                Podman(&[
                    "inspect",
                    "migrate-migrate",
                    "--format",
                    "{{.State.Status}} {{.State.ExitCode}}",
                ]),
                Is("exited 0"),
            ),
        ],
        "podman-provider" => &[
            (Exec("app-app", "echo $DB_URL"), Is("postgres://db")),
            (
                Podman(&["pod", "ps", "--filter", "name=db", "--format", "{{.Name}}"]),
                Is(""),
            ),
        ],
        "podman-ports" => &[
            (Http(18391), Contains("hello-from-site")),
            (Http(18392), Contains("metrics-ok")),
            (Http(18393), Contains("hello-from-site")),
            (
                Podman(&["port", "site-site"]),
                Contains("8080/tcp -> 127.0.0.1:18393"),
            ),
        ],
        "podman-secrets" => &[
            (
                Exec("web-web", "cat /run/secrets/db_password"),
                Is("s3cr3t-p@ss w0rd"),
            ),
            (
                Exec("web-web", "cat /etc/api/key; echo; stat -c %a /etc/api/key"),
                Is("key-1234\n400"),
            ),
            (
                Exec("db-db", "cat \"$POSTGRES_PASSWORD_FILE\""),
                Is("s3cr3t-p@ss w0rd"),
            ),
        ],
        "podman-binds" => &[(Exec("app-app", "cat /data/out.txt"), Is("kept"))],
        "podman-security" => &[
            (Exec("locked-locked", "id -u; id -g"), Is("1000\n1000")),
            (
                Podman(&[
                    "inspect",
                    "locked-locked",
                    "--format",
                    "{{.HostConfig.Memory}}",
                ]),
                Is("67108864"),
            ),
            (
                Exec(
                    "admin-admin",
                    "hostname; pwd; grep -c gateway.internal /etc/hosts",
                ),
                Is("admin-box\n/tmp\n1"),
            ),
            (
                Exec("admin-admin", "grep -c 'Seccomp:.0' /proc/1/status"),
                Is("1"),
            ),
            (
                Exec("locked-locked", "grep -c 'Seccomp:.2' /proc/1/status"),
                Is("1"),
            ),
            (
                Exec("locked-locked", "ulimit -n; ulimit -Hn; ulimit -u"),
                Is("1024\n2048\n512"),
            ),
            (
                Podman(&[
                    "inspect",
                    "admin-admin",
                    "--format",
                    "{{.HostConfig.SecurityOpt}}",
                ]),
                Contains("label=disable"),
            ),
        ],
        "podman-tmpfs" => &[
            (
                Exec(
                    "cache-cache",
                    "cat /scratch/probe; grep ' /scratch ' /proc/mounts | cut -d' ' -f3",
                ),
                Is("in-memory\ntmpfs"),
            ),
            (
                Exec("cache-cache", "touch /var/lib/anon/x && echo writable"),
                Is("writable"),
            ),
            (
                Exec(
                    "app-app",
                    "grep ' /run/cache ' /proc/mounts | cut -d' ' -f3",
                ),
                Is("tmpfs"),
            ),
        ],
        "podman-volumes" => &[
            (
                Exec("reader-reader", "cat /mnt/data/hello.txt"),
                Is("shared-data"),
            ),
            (
                Exec(
                    "reader-reader",
                    "touch /mnt/data/x 2>/dev/null && echo rw || echo ro",
                ),
                Is("ro"),
            ),
        ],
        _ => &[],
    }
}

fn sandbox() -> PathBuf {
    std::env::var_os("PODMAN5_SANDBOX").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/tools/podman5-sandbox.sh"),
        PathBuf::from,
    )
}

/// Runs the sandbox script under `timeout`, with `stdin` fed in; returns status, stdout, stderr.
fn run(args: &[&str], limit: &str, stdin: Option<&str>) -> (bool, String, String) {
    let mut child = Command::new("timeout")
        .arg(limit)
        .arg(sandbox())
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("`timeout` (coreutils) runs the sandbox script");
    if let Some(text) = stdin {
        child
            .stdin
            .take()
            .expect("stdin is piped")
            .write_all(text.as_bytes())
            .expect("feed the YAML to podman");
    }
    let out = child
        .wait_with_output()
        .expect("wait for the sandbox script");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn podman_call(args: &[&str], stdin: Option<&str>) -> (bool, String, String) {
    let mut full = vec!["podman"];
    full.extend_from_slice(args);
    run(&full, CALL_TIMEOUT, stdin)
}

fn http_get(port: u16) -> String {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return String::new();
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let _ = stream.write_all(b"GET / HTTP/1.0\r\nHost: localhost\r\n\r\n");
    let mut body = String::new();
    let _ = stream.read_to_string(&mut body);
    body
}

fn observe(probe: Probe) -> String {
    match probe {
        Exec(container, script) => {
            let (_, out, err) = podman_call(&["exec", container, "sh", "-c", script], None);
            format!("{}{}", out.trim(), err.trim())
        }
        Podman(args) => {
            let (_, out, err) = podman_call(args, None);
            format!("{}{}", out.trim(), err.trim())
        }
        Http(port) => http_get(port),
    }
}

fn satisfied(seen: &str, expect: Expect) -> bool {
    match expect {
        Is(text) => seen.trim() == text,
        Contains(text) => seen.contains(text),
    }
}

/// The names of the objects a YAML stream creates, by kind.
fn names_of(stream: &str, kind: &str) -> Vec<String> {
    stream
        .split("\n---\n")
        .filter(|doc| doc.lines().any(|l| l == format!("kind: {kind}")))
        .filter_map(|doc| {
            doc.lines()
                .find_map(|l| l.strip_prefix("  name: ").map(str::to_owned))
        })
        .collect()
}

/// Removes what one fixture created, also when a check panicked: its pods, volumes and secrets,
/// and the image names it gave the busybox image.
struct Played<'a> {
    stream: &'a str,
    images: &'a [&'a str],
}

impl Drop for Played<'_> {
    fn drop(&mut self) {
        clean(self.stream);
        let mut untag = vec!["untag", "localhost/busybox:latest"];
        untag.extend(self.images);
        podman_call(&untag, None);
    }
}

/// Removes the pods, volumes and secrets a stream creates, by name.
fn clean(stream: &str) {
    podman_call(&["kube", "down", "--force", "-"], Some(stream));
    // `kube down` keeps the volumes podman made for Secret and ConfigMap mounts of some kinds;
    // they and the claims' volumes are named after the objects.
    let mut volumes = names_of(stream, "PersistentVolumeClaim");
    volumes.extend(names_of(stream, "Secret"));
    volumes.extend(names_of(stream, "ConfigMap"));
    for volume in volumes {
        podman_call(&["volume", "rm", "--force", &volume], None);
    }
    for secret in names_of(stream, "Secret") {
        podman_call(&["secret", "rm", &secret], None);
    }
}

/// `stackc ARGS...` in a fixture directory, with a clean environment so that no `COMPOSE_*`
/// variable of the caller changes the project; returns stdout, or the failure with stderr.
fn stackc(dir: &Path, args: &[&str]) -> Result<String, String> {
    let out = Command::new(env!("CARGO_BIN_EXE_stackc"))
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", std::env::temp_dir())
        .args(args)
        .output()
        .expect("run the stackc binary");
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

/// Quadlet turns the `--quadlet` unit into a service that plays the YAML next to it.
fn quadlet_accepts(id: &str, fixture: &Path) -> Result<(), String> {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("podman-smoke")
        .join(id);
    let _ = std::fs::remove_dir_all(&dir);
    let out_dir = dir.to_string_lossy().into_owned();
    stackc(
        fixture,
        &["build", "--target", "podman", "-o", &out_dir, "--quadlet"],
    )
    .map_err(|e| format!("{id}: `--quadlet` build failed:\n{e}"))?;
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/podman/quadlet-dryrun.sh");
    let out = Command::new("timeout")
        .arg(CALL_TIMEOUT)
        .arg(script)
        .arg(sandbox())
        .arg(&dir)
        .output()
        .expect("run tests/podman/quadlet-dryrun.sh");
    let units = String::from_utf8_lossy(&out.stdout);
    let play = format!("podman kube play --replace --service-container=true /stage/{id}/{id}.yaml");
    if out.status.success() && units.contains(&play) {
        Ok(())
    } else {
        Err(format!(
            "{id}: quadlet did not make a unit that plays {id}.yaml:\n{units}{}",
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

#[test]
fn fixtures_run_on_podman_5() {
    let out = Command::new("id").arg("-u").output().expect("run `id -u`");
    let uid = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    assert!(
        uid == "0",
        "the podman smoke test needs root for the podman 5 sandbox (uid is {uid}); CI runs it as root"
    );
    let started = Instant::now();
    let (ok, out, err) = run(&["setup"], SETUP_TIMEOUT, None);
    assert!(
        ok,
        "the podman 5 sandbox could not be set up (it needs debootstrap and a Debian mirror):\n{out}\n{err}"
    );
    println!("sandbox ready in {:.1}s", started.elapsed().as_secs_f64());

    let mut played = 0;
    let mut passed_checks = 0;
    let mut failures: Vec<String> = Vec::new();
    for dir in podman::fixture_dirs() {
        let id = dir.file_name().unwrap().to_string_lossy().into_owned();
        let build = stackc(&dir, &["build", "--target", "podman", "--stdout"])
            .unwrap_or_else(|e| panic!("{id}: `stackc build --target podman` failed:\n{e}"));
        // The build references Secrets by name; `stackc secrets` provides them, played first.
        let secrets = stackc(&dir, &["secrets", "--target", "podman"])
            .unwrap_or_else(|e| panic!("{id}: `stackc secrets --target podman` failed:\n{e}"));
        let stream = if secrets.trim().is_empty() {
            build
        } else {
            format!("{}\n---\n{build}", secrets.trim_end())
        };
        if let Err(e) = quadlet_accepts(&id, &dir) {
            failures.push(e);
        }
        if let Some((_, why)) = NOT_PLAYED.iter().find(|(name, _)| *name == id) {
            println!("{id}: built, not played: {why}");
            continue;
        }
        let checks = checks(&id);
        assert!(
            !checks.is_empty(),
            "{id}: no checks; add them to `checks` or the fixture to `NOT_PLAYED`"
        );
        let images: Vec<&str> = stream
            .lines()
            .filter_map(|l| l.trim_start().strip_prefix("image: "))
            .collect();
        let mut alias = vec!["alias-image"];
        alias.extend(&images);
        let (ok, _, err) = run(&alias, CALL_TIMEOUT, None);
        assert!(ok, "{id}: alias-image failed: {err}");

        let fixture_started = Instant::now();
        // Leftovers of an interrupted earlier run would make the play fail.
        clean(&stream);
        let guard = Played {
            stream: &stream,
            images: &images,
        };
        let (ok, out, err) = podman_call(&["kube", "play", "-"], Some(&stream));
        if !ok {
            failures.push(format!("{id}: kube play failed:\n{out}\n{err}"));
            drop(guard);
            continue;
        }
        played += 1;
        for (probe, expect) in checks {
            let deadline = Instant::now() + SETTLE;
            let mut seen = observe(*probe);
            while !satisfied(&seen, *expect) && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(500));
                seen = observe(*probe);
            }
            if satisfied(&seen, *expect) {
                passed_checks += 1;
            } else {
                failures.push(format!(
                    "{id}: {probe:?} gave {seen:?}, expected {expect:?}"
                ));
            }
        }
        drop(guard);
        println!(
            "{id}: played and checked in {:.1}s",
            fixture_started.elapsed().as_secs_f64()
        );
    }
    println!(
        "podman smoke: {played} fixtures played, {passed_checks} checks passed, {} failed, {:.1}s in all",
        failures.len(),
        started.elapsed().as_secs_f64()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(played >= 10, "only {played} fixtures were played");
}
