//! The managed output directory (`stackc::output`): what a rebuild rewrites, removes and keeps,
//! what `--check` reports, and which paths and links it refuses.

use std::fs;
use std::path::{Path, PathBuf};

use stackc::error::Error;
use stackc::output::{self, MANIFEST, Mode, OutputFiles, Staleness, Warning, WriteReport};

fn files(entries: &[(&str, &str)]) -> OutputFiles {
    OutputFiles {
        files: entries
            .iter()
            .map(|(path, text)| (PathBuf::from(path), (*text).to_owned()))
            .collect(),
    }
}

fn paths(list: &[&str]) -> Vec<PathBuf> {
    list.iter().map(PathBuf::from).collect()
}

const WEB: &str = "kind: Deployment\nname: web\nreplicas: 1\n";
const DB: &str = "kind: StatefulSet\nname: db\n";
const CHART: &str = "name: app\n";

fn base() -> OutputFiles {
    files(&[
        ("web.yaml", WEB),
        ("db.yaml", DB),
        ("templates/chart.yaml", CHART),
    ])
}

fn write(dir: &Path, set: &OutputFiles) -> WriteReport {
    output::write(dir, set, Mode::Write).expect("write succeeds")
}

fn mtime(path: &Path) -> std::time::SystemTime {
    fs::metadata(path).unwrap().modified().unwrap()
}

/// Every file under `dir` with its content, to prove that a call changed nothing.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            let meta = fs::symlink_metadata(&path).unwrap();
            if meta.is_dir() {
                stack.push(path);
            } else if meta.is_file() {
                out.push((path.clone(), fs::read(&path).unwrap()));
            } else {
                out.push((
                    path.clone(),
                    fs::read_link(&path)
                        .unwrap()
                        .into_os_string()
                        .into_encoded_bytes(),
                ));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn first_write_creates_the_directory_files_and_a_sorted_record() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("k8s");
    let report = write(&dir, &base());
    assert_eq!(
        report.written,
        paths(&["web.yaml", "db.yaml", "templates/chart.yaml"])
    );
    assert!(report.unchanged.is_empty() && report.removed.is_empty() && report.stale.is_empty());
    assert_eq!(fs::read_to_string(dir.join("web.yaml")).unwrap(), WEB);
    assert_eq!(
        fs::read_to_string(dir.join("templates/chart.yaml")).unwrap(),
        CHART
    );
    let record = fs::read_to_string(dir.join(MANIFEST)).unwrap();
    let entries: Vec<&str> = record.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(entries, ["db.yaml", "templates/chart.yaml", "web.yaml"]);
    let leftovers: Vec<_> = snapshot(&dir)
        .into_iter()
        .filter(|(p, _)| p.to_string_lossy().contains("stackc-tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
    let beside: Vec<_> = fs::read_dir(tmp.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name())
        .collect();
    assert_eq!(beside, ["k8s"], "the staging directory was left beside it");
}

#[test]
fn new_directory_under_missing_parents_is_created_whole() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("deploy/overlays/k8s");
    let report = write(&dir, &base());
    assert_eq!(report.written.len(), 3);
    assert_eq!(fs::read_to_string(dir.join("db.yaml")).unwrap(), DB);
    assert!(dir.join(MANIFEST).is_file());
    let beside: Vec<_> = fs::read_dir(dir.parent().unwrap())
        .unwrap()
        .map(|entry| entry.unwrap().file_name())
        .collect();
    assert_eq!(beside, ["k8s"]);
}

#[test]
fn dangling_link_as_output_directory_is_not_replaced() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("k8s");
    std::os::unix::fs::symlink(tmp.path().join("nowhere"), &dir).unwrap();
    assert!(output::write(&dir, &base(), Mode::Write).is_err());
    assert!(fs::symlink_metadata(&dir).unwrap().file_type().is_symlink());
    assert!(!tmp.path().join("nowhere").exists());
}

#[test]
fn identical_rewrite_touches_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(dir, &base());
    let before: Vec<_> = ["web.yaml", "db.yaml", "templates/chart.yaml", MANIFEST]
        .iter()
        .map(|p| mtime(&dir.join(p)))
        .collect();
    // Coarse file system clocks would hide a rewrite that happened in the same tick.
    std::thread::sleep(std::time::Duration::from_millis(50));
    let report = write(dir, &base());
    assert!(report.written.is_empty(), "{report:?}");
    assert_eq!(
        report.unchanged,
        paths(&["web.yaml", "db.yaml", "templates/chart.yaml"])
    );
    let after: Vec<_> = ["web.yaml", "db.yaml", "templates/chart.yaml", MANIFEST]
        .iter()
        .map(|p| mtime(&dir.join(p)))
        .collect();
    assert_eq!(before, after);
}

#[test]
fn changed_file_is_rewritten_and_others_kept() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(dir, &base());
    let db_time = mtime(&dir.join("db.yaml"));
    std::thread::sleep(std::time::Duration::from_millis(50));
    let mut next = base();
    next.files
        .insert("web.yaml".into(), WEB.replace("replicas: 1", "replicas: 3"));
    let report = write(dir, &next);
    assert_eq!(report.written, paths(&["web.yaml"]));
    assert_eq!(
        report.unchanged,
        paths(&["db.yaml", "templates/chart.yaml"])
    );
    assert!(
        fs::read_to_string(dir.join("web.yaml"))
            .unwrap()
            .contains("replicas: 3")
    );
    assert_eq!(mtime(&dir.join("db.yaml")), db_time);
}

#[test]
fn dropped_file_is_removed_and_user_files_stay() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    fs::write(dir.join("kustomization.yaml"), "resources: []\n").unwrap();
    write(dir, &base());
    fs::write(dir.join("templates/NOTES.txt"), "mine\n").unwrap();
    let report = write(dir, &files(&[("web.yaml", WEB)]));
    assert_eq!(report.removed, paths(&["db.yaml", "templates/chart.yaml"]));
    assert!(!dir.join("db.yaml").exists());
    assert!(!dir.join("templates/chart.yaml").exists());
    assert_eq!(
        fs::read_to_string(dir.join("kustomization.yaml")).unwrap(),
        "resources: []\n"
    );
    assert_eq!(
        fs::read_to_string(dir.join("templates/NOTES.txt")).unwrap(),
        "mine\n"
    );
    let record = fs::read_to_string(dir.join(MANIFEST)).unwrap();
    assert_eq!(
        record
            .lines()
            .filter(|l| !l.starts_with('#'))
            .collect::<Vec<_>>(),
        ["web.yaml"]
    );
}

#[test]
fn emptied_directory_is_removed() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(dir, &base());
    write(dir, &files(&[("web.yaml", WEB)]));
    assert!(!dir.join("templates").exists());
}

#[test]
fn user_file_with_a_generated_name_is_never_removed() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(dir, &files(&[("web.yaml", WEB)]));
    // Not in the record: stackc never wrote it, so a build that does not generate it keeps it.
    fs::write(dir.join("db.yaml"), "mine\n").unwrap();
    let report = write(dir, &files(&[("web.yaml", WEB)]));
    assert!(report.removed.is_empty());
    assert_eq!(fs::read_to_string(dir.join("db.yaml")).unwrap(), "mine\n");
}

#[test]
fn check_after_write_is_clean() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(dir, &base());
    let report = output::write(dir, &base(), Mode::Check).unwrap();
    assert!(report.stale.is_empty(), "{report:?}");
    assert_eq!(report.unchanged.len(), 3);
    let text = output::render(dir, Mode::Check, &report);
    assert!(text.contains("is up to date (3 files)"), "{text}");
}

#[test]
fn check_reports_a_diff_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(dir, &base());
    let before = snapshot(dir);
    let mut next = base();
    next.files
        .insert("web.yaml".into(), WEB.replace("replicas: 1", "replicas: 3"));
    let report = output::write(dir, &next, Mode::Check).unwrap();
    assert!(report.written.is_empty() && report.removed.is_empty());
    assert_eq!(report.stale.len(), 1, "{report:?}");
    let (path, staleness) = &report.stale[0];
    assert_eq!(path, Path::new("web.yaml"));
    let Staleness::Changed { diff } = staleness else {
        panic!("expected a changed file, got {staleness:?}");
    };
    assert!(diff.contains("-replicas: 1\n+replicas: 3\n"), "{diff}");
    assert!(diff.contains("@@ -1,3 +1,3 @@"), "{diff}");
    assert_eq!(snapshot(dir), before);
    let text = output::render(dir, Mode::Check, &report);
    assert!(
        text.contains("is stale: a build would change 1 file"),
        "{text}"
    );
    assert!(text.contains("+replicas: 3"), "{text}");
}

#[test]
fn check_reports_missing_and_extra_files() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(dir, &base());
    let before = snapshot(dir);
    let next = files(&[
        ("web.yaml", WEB),
        ("db.yaml", DB),
        ("cache.yaml", "kind: Service\n"),
    ]);
    let report = output::write(dir, &next, Mode::Check).unwrap();
    let kinds: Vec<(&Path, &Staleness)> =
        report.stale.iter().map(|(p, s)| (p.as_path(), s)).collect();
    assert_eq!(kinds[0], (Path::new("cache.yaml"), &Staleness::Missing));
    assert_eq!(
        kinds[1],
        (Path::new("templates/chart.yaml"), &Staleness::Extra)
    );
    assert_eq!(kinds[2].0, Path::new(MANIFEST));
    assert_eq!(kinds.len(), 3);
    assert_eq!(snapshot(dir), before);
}

#[test]
fn check_of_a_missing_directory_reports_everything_and_creates_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("k8s");
    let report = output::write(&dir, &base(), Mode::Check).unwrap();
    assert_eq!(report.stale.len(), 4);
    assert!(report.stale.iter().all(|(_, s)| *s == Staleness::Missing));
    assert!(!dir.exists());
}

#[test]
fn unsafe_paths_are_rejected_before_anything_is_written() {
    for bad in [
        "../x.yaml",
        "/etc/x",
        "a/../../x.yaml",
        "./x.yaml",
        "a//b.yaml",
        "a/",
        "",
        "a b.yaml",
        "a\\b.yaml",
        "x\n.yaml",
        MANIFEST,
    ] {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let set = files(&[("web.yaml", WEB), (bad, "x: 1\n")]);
        for mode in [Mode::Write, Mode::Check] {
            match output::write(dir, &set, mode) {
                Err(Error::UnsafeOutputPath { path, .. }) => assert_eq!(path, Path::new(bad)),
                other => panic!("`{bad}` was accepted: {other:?}"),
            }
        }
        assert!(snapshot(dir).is_empty(), "`{bad}` wrote something");
    }
}

#[test]
fn conflicting_paths_are_rejected() {
    let tmp = tempfile::tempdir().unwrap();
    let as_dir = files(&[("a", "x\n"), ("a/b.yaml", "y\n")]);
    assert!(matches!(
        output::write(tmp.path(), &as_dir, Mode::Write),
        Err(Error::UnsafeOutputPath { .. })
    ));
    let by_case = files(&[("Web.yaml", WEB), ("web.yaml", WEB)]);
    assert!(matches!(
        output::write(tmp.path(), &by_case, Mode::Write),
        Err(Error::UnsafeOutputPath { .. })
    ));
    // The path named is the later of the two, whichever of them has capitals.
    for (pair, later) in [
        (["web.yaml", "Web.yaml"], "Web.yaml"),
        (["WEB.yaml", "Web.yaml"], "Web.yaml"),
        (["d/Web.yaml", "d/web.yaml"], "d/web.yaml"),
        (["b", "b/c/d.yaml"], "b"),
        (["b/c/d.yaml", "b/c"], "b/c"),
    ] {
        let set = files(&[("other.yaml", WEB), (pair[0], WEB), (pair[1], WEB)]);
        match output::write(tmp.path(), &set, Mode::Write) {
            Err(Error::UnsafeOutputPath { path, .. }) => {
                assert_eq!(path, Path::new(later), "{pair:?}");
            }
            other => panic!("{pair:?} was accepted: {other:?}"),
        }
    }
    let distinct = files(&[("Web.yaml", WEB), ("web2.yaml", WEB), ("b/c.yaml", WEB)]);
    assert!(output::write(tmp.path(), &distinct, Mode::Check).is_ok());
    assert!(snapshot(tmp.path()).is_empty());
}

#[test]
fn tampered_record_never_removes_outside_the_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("k8s");
    let victim = tmp.path().join("victim.yaml");
    fs::write(&victim, "keep\n").unwrap();
    write(&dir, &base());
    let record = fs::read_to_string(dir.join(MANIFEST)).unwrap();
    fs::write(dir.join(MANIFEST), format!("{record}../victim.yaml\n")).unwrap();
    let report = write(&dir, &files(&[("web.yaml", WEB)]));
    assert_eq!(fs::read_to_string(&victim).unwrap(), "keep\n");
    assert_eq!(
        report.warnings,
        [Warning::BadManifestEntry {
            entry: "../victim.yaml".to_owned()
        }]
    );
}

#[cfg(unix)]
#[test]
fn link_in_place_of_a_stale_file_is_not_followed() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("k8s");
    let target = tmp.path().join("precious.yaml");
    fs::write(&target, "precious\n").unwrap();
    write(&dir, &base());
    fs::remove_file(dir.join("db.yaml")).unwrap();
    std::os::unix::fs::symlink(&target, dir.join("db.yaml")).unwrap();
    // The same link through a directory: `templates/` now points outside.
    let outside = tmp.path().join("outside");
    fs::create_dir(&outside).unwrap();
    fs::write(outside.join("chart.yaml"), CHART).unwrap();
    fs::remove_dir_all(dir.join("templates")).unwrap();
    std::os::unix::fs::symlink(&outside, dir.join("templates")).unwrap();

    let check = output::write(&dir, &files(&[("web.yaml", WEB)]), Mode::Check).unwrap();
    assert!(
        check.stale.iter().all(|(p, _)| p == Path::new(MANIFEST)),
        "{check:?}"
    );

    let report = write(&dir, &files(&[("web.yaml", WEB)]));
    assert!(report.removed.is_empty(), "{report:?}");
    assert_eq!(
        report.warnings,
        [
            Warning::LinkLeftAlone {
                path: "db.yaml".into()
            },
            Warning::LinkLeftAlone {
                path: "templates".into()
            },
        ]
    );
    assert_eq!(fs::read_to_string(&target).unwrap(), "precious\n");
    assert!(
        fs::symlink_metadata(dir.join("db.yaml"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(
        fs::read_to_string(outside.join("chart.yaml")).unwrap(),
        CHART
    );
    // Dropped from the record: the links are the user's now, and the next build is quiet.
    let again = write(&dir, &files(&[("web.yaml", WEB)]));
    assert!(again.warnings.is_empty(), "{again:?}");
    let text = output::render(&dir, Mode::Write, &report);
    assert!(text.starts_with("warning: `"), "{text}");
}

#[cfg(unix)]
#[test]
fn link_where_a_generated_file_goes_is_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("k8s");
    let target = tmp.path().join("precious.yaml");
    fs::write(&target, "precious\n").unwrap();
    write(&dir, &base());
    fs::remove_file(dir.join("web.yaml")).unwrap();
    std::os::unix::fs::symlink(&target, dir.join("web.yaml")).unwrap();
    let before = snapshot(&dir);
    let mut next = base();
    next.files.insert("db.yaml".into(), "changed\n".to_owned());
    for mode in [Mode::Write, Mode::Check] {
        match output::write(&dir, &next, mode) {
            Err(Error::OutputBlocked { path, .. }) => assert_eq!(path, dir.join("web.yaml")),
            other => panic!("the link was accepted: {other:?}"),
        }
    }
    assert_eq!(
        snapshot(&dir),
        before,
        "nothing is written when one path is blocked"
    );
    assert_eq!(fs::read_to_string(&target).unwrap(), "precious\n");
}

#[cfg(unix)]
#[test]
fn linked_subdirectory_is_not_written_through() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("k8s");
    let outside = tmp.path().join("outside");
    fs::create_dir_all(&dir).unwrap();
    fs::create_dir(&outside).unwrap();
    std::os::unix::fs::symlink(&outside, dir.join("templates")).unwrap();
    assert!(matches!(
        output::write(&dir, &base(), Mode::Write),
        Err(Error::OutputBlocked { .. })
    ));
    assert!(fs::read_dir(&outside).unwrap().next().is_none());
}

#[test]
fn output_path_that_is_a_file_is_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("k8s");
    fs::write(&dir, "not a directory\n").unwrap();
    assert!(matches!(
        output::write(&dir, &base(), Mode::Write),
        Err(Error::OutputBlocked { .. })
    ));
}

#[test]
fn write_summary_counts_files() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let report = write(dir, &base());
    let text = output::render(Path::new("k8s"), Mode::Write, &report);
    assert_eq!(text, "`k8s`: 3 files written, 0 removed, 0 unchanged\n");
}
