//! The managed output directory: `stackc build -o DIR` and `stackc build -o DIR --check`.
//!
//! Generated manifests usually live in git next to hand-written files, and a pre-commit hook or
//! a pipeline regenerates them on every change. So stackc owns only what it wrote: it records
//! every file it writes in [`MANIFEST`] inside the output directory, and a later build removes a
//! file only when that record lists it and the build no longer generates it. Any other file in
//! the directory is never touched.
//!
//! The rules [`write`] follows:
//!
//! - **Only after a successful build.** The caller passes the complete set of files once the
//!   whole build has succeeded; this module never sees a partial build, so a failed build leaves
//!   the directory exactly as it was.
//! - **Validate, then touch.** Every path is checked (plain relative path, no `..`, no absolute
//!   path, only ASCII letters, digits, `.`, `_` and `-`) and everything in the directory is
//!   inspected before the first byte is written, so an unsafe path or an obstacle (a symbolic
//!   link or a directory where a file goes) fails with an [`Error`] and changes nothing.
//! - **Atomic per file.** Each file is written to a temporary file in its own directory and
//!   renamed over the old one, so a reader sees the old or the new file, never half of one. A
//!   directory that does not exist yet is written whole under a hidden sibling name and renamed
//!   into place, so a reader sees nothing or all of it.
//!   Files are not fsynced: the generated directory is always reproducible from its inputs, and
//!   a sync per file would cost more than the build itself.
//! - **Unchanged files are not rewritten**, so their modification times stay and tools that
//!   watch the directory see only real changes.
//! - **The record never lags behind the disk.** When new files are added, the record is first
//!   extended with them; it shrinks to the exact set only after the files are written and the
//!   stale ones removed. An interrupted write can leave extra entries, never unrecorded files.
//! - **Symbolic links are never followed.** The output directory itself may be a link. Inside it,
//!   a link where a generated file or one of its directories goes is an error (stackc neither
//!   writes through a link nor replaces one). A link where a stale file was is left alone with a
//!   [`Warning`] and dropped from the record: stackc deletes only regular files it wrote.
//!
//! [`Mode::Check`] runs the same inspection, writes nothing, and reports every difference,
//! with a unified diff for each changed file; [`render`] turns either report into text.

use std::borrow::Cow;
use std::collections::{BTreeSet, HashSet};
use std::fmt::Write as _;
use std::fs;
use std::io::{self, Write as _};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use foldhash::fast::FixedState;
use indexmap::IndexMap;

use crate::backends::Files;
use crate::error::Error;

/// The record of the files stackc wrote, one relative path a line, sorted, inside the output
/// directory. It has no `.yaml` extension so that Flux, Argo CD and `kubectl apply -f DIR` skip it.
pub const MANIFEST: &str = ".stackc-files";

const MANIFEST_HEADER: &str =
    "# Files written by stackc; a build removes only these, once it no longer generates them.\n";

/// The files a build produced, keyed by their path relative to the output directory, in the
/// order the backend emitted them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutputFiles {
    pub files: IndexMap<PathBuf, String, FixedState>,
}

impl From<Files> for OutputFiles {
    /// A backend's files, moved rather than copied: a build holds all of them until it writes.
    fn from(files: Files) -> Self {
        Self {
            files: files
                .into_iter()
                .map(|(name, text)| (PathBuf::from(name), text))
                .collect(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Bring the directory up to date.
    Write,
    /// Write nothing; report what [`Mode::Write`] would change.
    Check,
}

/// What [`write`] did, or in [`Mode::Check`] what it would do. Paths are relative to the output
/// directory; generated files appear in the order they were given, removed ones sorted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WriteReport {
    /// Files created or replaced ([`Mode::Write`] only).
    pub written: Vec<PathBuf>,
    /// Generated files whose content on disk was already right.
    pub unchanged: Vec<PathBuf>,
    /// Files an earlier build wrote that are no longer generated ([`Mode::Write`] only).
    pub removed: Vec<PathBuf>,
    /// Every difference between the directory and the build ([`Mode::Check`] only); includes
    /// [`MANIFEST`] when its content would change.
    pub stale: Vec<(PathBuf, Staleness)>,
    /// Things left alone on purpose.
    pub warnings: Vec<Warning>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Staleness {
    /// The build generates the file and the directory does not have it.
    Missing,
    /// The file on disk differs from the generated one.
    Changed {
        /// Unified diff from the file on disk to the generated file.
        diff: String,
    },
    /// An earlier build wrote the file and this one no longer generates it, so a write removes it.
    Extra,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Warning {
    /// A file an earlier build wrote is now a symbolic link, or lies under one. It was left
    /// alone and dropped from the record.
    LinkLeftAlone { path: PathBuf },
    /// A file an earlier build wrote is now a directory or another non-file. It was left alone
    /// and dropped from the record.
    NotAFileLeftAlone { path: PathBuf },
    /// A line of [`MANIFEST`] is not a safe relative path (the record was edited by hand), so
    /// stackc will not remove what it names.
    BadManifestEntry { entry: String },
}

/// Brings `dir` up to date with `files` ([`Mode::Write`]) or reports how it differs
/// ([`Mode::Check`]). Call it only after the whole build succeeded (see the module docs).
pub fn write(dir: &Path, files: &OutputFiles, mode: Mode) -> Result<WriteReport, Error> {
    let generated = validate(files)?;
    let dir_exists = match fs::metadata(dir) {
        Ok(meta) if meta.is_dir() => true,
        Ok(_) => {
            return Err(Error::OutputBlocked {
                path: dir.to_path_buf(),
                reason: "is not a directory",
            });
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => false,
        Err(source) => {
            return Err(Error::Read {
                path: dir.to_path_buf(),
                source,
            });
        }
    };
    let mut warnings = Vec::new();
    let previous = if dir_exists {
        read_manifest(dir, &mut warnings)?
    } else {
        Previous::default()
    };
    let plan = plan(dir, dir_exists, &generated, previous, warnings)?;
    match mode {
        Mode::Check => Ok(plan.check(dir)),
        Mode::Write if dir_exists => plan.apply(dir),
        Mode::Write => plan.create(dir),
    }
}

/// Text for people: in [`Mode::Write`] a one-line summary; in [`Mode::Check`] whether `dir` is
/// up to date, and if not every stale file and the diffs. Warnings come first.
#[must_use]
pub fn render(dir: &Path, mode: Mode, report: &WriteReport) -> String {
    let mut out = String::new();
    let shown = |rel: &Path| dir.join(rel).display().to_string();
    for warning in &report.warnings {
        let line = match warning {
            Warning::LinkLeftAlone { path } => format!(
                "`{}` is a symbolic link where an earlier build wrote a file; stackc does not remove links, so it was left alone",
                shown(path)
            ),
            Warning::NotAFileLeftAlone { path } => format!(
                "`{}` is no longer a regular file; an earlier build wrote it, but stackc removes only its own files, so it was left alone",
                shown(path)
            ),
            Warning::BadManifestEntry { entry } => format!(
                "`{}` lists `{entry}`, which is not a plain relative path; it was ignored",
                shown(Path::new(MANIFEST))
            ),
        };
        let _ = writeln!(out, "warning: {line}");
    }
    match mode {
        Mode::Write => {
            let _ = writeln!(
                out,
                "`{}`: {} written, {} removed, {} unchanged",
                dir.display(),
                files(report.written.len()),
                report.removed.len(),
                report.unchanged.len()
            );
        }
        Mode::Check if report.stale.is_empty() => {
            let _ = writeln!(
                out,
                "`{}` is up to date ({})",
                dir.display(),
                files(report.unchanged.len())
            );
        }
        Mode::Check => {
            let _ = writeln!(
                out,
                "`{}` is stale: a build would change {}",
                dir.display(),
                files(report.stale.len())
            );
            for (path, staleness) in &report.stale {
                let line = match staleness {
                    Staleness::Missing => format!("  missing  {}", shown(path)),
                    Staleness::Changed { .. } => format!("  changed  {}", shown(path)),
                    Staleness::Extra => format!(
                        "  extra    {} (an earlier build wrote it; it is no longer generated)",
                        shown(path)
                    ),
                };
                let _ = writeln!(out, "{line}");
            }
            for (_, staleness) in &report.stale {
                if let Staleness::Changed { diff } = staleness {
                    let _ = write!(out, "\n{diff}");
                }
            }
            let _ = writeln!(
                out,
                "\nrun the same `stackc build` without `--check` to update `{}`",
                dir.display()
            );
        }
    }
    out
}

fn files(n: usize) -> String {
    if n == 1 {
        "1 file".to_owned()
    } else {
        format!("{n} files")
    }
}

/// Checks every generated path and returns it in its one plain spelling, `dir/file`.
fn validate(files: &OutputFiles) -> Result<Vec<(String, &str)>, Error> {
    let mut generated = Vec::with_capacity(files.files.len());
    // Hashed sets, only looked up: a build checks thousands of paths, and what the backends
    // write is already lowercase, so a lowercase copy is rarely made.
    let mut by_lowercase: HashSet<Cow<'_, str>, FixedState> =
        HashSet::with_capacity_and_hasher(files.files.len(), FixedState::default());
    for (path, content) in &files.files {
        let rel = plain_relative(path).map_err(|reason| Error::UnsafeOutputPath {
            path: path.clone(),
            reason,
        })?;
        // A plain path is spelled as it was given, so the given text can stand for it.
        let lowercase = match path.to_str() {
            Some(text) if !text.bytes().any(|b| b.is_ascii_uppercase()) => Cow::Borrowed(text),
            _ => Cow::Owned(rel.to_ascii_lowercase()),
        };
        // Two such names are one file on macOS and Windows, so the output would differ there.
        if !by_lowercase.insert(lowercase) {
            return Err(Error::UnsafeOutputPath {
                path: path.clone(),
                reason: "it differs from another generated path only in letter case",
            });
        }
        generated.push((rel, content.as_str()));
    }
    if generated.iter().any(|(rel, _)| rel.contains('/')) {
        let all: HashSet<&str, FixedState> =
            generated.iter().map(|(rel, _)| rel.as_str()).collect();
        for (rel, _) in &generated {
            for (i, _) in rel.match_indices('/') {
                if all.contains(&rel[..i]) {
                    return Err(Error::UnsafeOutputPath {
                        path: PathBuf::from(&rel[..i]),
                        reason: "another generated path uses it as a directory",
                    });
                }
            }
        }
    }
    Ok(generated)
}

fn plain_relative(path: &Path) -> Result<String, &'static str> {
    let text = path.to_str().ok_or("it is not valid UTF-8")?;
    // What every backend writes, checked in one pass over the bytes; anything else gets the
    // component-wise check and its exact reason.
    if is_plain(text) {
        return Ok(text.to_owned());
    }
    plain_components(path, text)
}

/// [`plain_relative`] component by component, with the reason a path is refused.
fn plain_components(path: &Path, text: &str) -> Result<String, &'static str> {
    if text.is_empty() {
        return Err("it is empty");
    }
    let mut parts = Vec::new();
    for component in path.components() {
        match component {
            Component::Normal(part) => parts.push(part.to_str().ok_or("it is not valid UTF-8")?),
            Component::ParentDir => return Err("it contains `..`"),
            Component::CurDir => return Err("it contains a `.` component"),
            Component::RootDir | Component::Prefix(_) => return Err("it is absolute"),
        }
    }
    for part in &parts {
        if !part
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
        {
            return Err(
                "only ASCII letters, digits, `.`, `_`, `-` and `/` between names are allowed",
            );
        }
        if part.len() > 255 {
            return Err("a name is longer than 255 bytes, the limit of common file systems");
        }
    }
    let plain = parts.join("/");
    if plain != text {
        return Err("it has an empty component or a trailing `/`");
    }
    if plain == MANIFEST {
        return Err("`.stackc-files` is where stackc records the files it wrote");
    }
    Ok(plain)
}

/// Names of allowed bytes of at most 255 bytes, other than `.` and `..`, joined by single `/`s,
/// and not the record's own name.
fn is_plain(text: &str) -> bool {
    text != MANIFEST
        && text.split('/').all(|part| {
            !part.is_empty()
                && part.len() <= 255
                && part != "."
                && part != ".."
                && part
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
        })
}

#[derive(Debug, Default)]
struct Previous {
    /// The record as it is on disk, if there is one.
    text: Option<String>,
    entries: BTreeSet<String>,
}

fn read_manifest(dir: &Path, warnings: &mut Vec<Warning>) -> Result<Previous, Error> {
    let path = dir.join(MANIFEST);
    match kind(&path)? {
        Kind::Absent => return Ok(Previous::default()),
        Kind::File => {}
        Kind::Link | Kind::Dir | Kind::Other => {
            return Err(Error::OutputBlocked {
                path,
                reason: "is not a regular file, but stackc records the files it wrote there",
            });
        }
    }
    let text = fs::read_to_string(&path).map_err(|source| Error::Read { path, source })?;
    let mut entries = BTreeSet::new();
    for line in text.lines() {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        match plain_relative(Path::new(line)) {
            Ok(rel) => {
                entries.insert(rel);
            }
            Err(_) => warnings.push(Warning::BadManifestEntry {
                entry: line.to_owned(),
            }),
        }
    }
    Ok(Previous {
        text: Some(text),
        entries,
    })
}

fn manifest_text<'a>(entries: impl IntoIterator<Item = &'a str>) -> String {
    let mut text = MANIFEST_HEADER.to_owned();
    for entry in entries {
        text.push_str(entry);
        text.push('\n');
    }
    text
}

/// What is at a path, without following a link there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Absent,
    File,
    Dir,
    Link,
    Other,
}

fn kind(path: &Path) -> Result<Kind, Error> {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => Ok(Kind::Link),
        Ok(meta) if meta.is_file() => Ok(Kind::File),
        Ok(meta) if meta.is_dir() => Ok(Kind::Dir),
        Ok(_) => Ok(Kind::Other),
        // A path under a regular file does not exist either.
        Err(e)
            if matches!(
                e.kind(),
                io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
            ) =>
        {
            Ok(Kind::Absent)
        }
        Err(source) => Err(Error::Read {
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// The directories between `dir` and `rel`, outermost first.
fn ancestors(rel: &str) -> impl Iterator<Item = &str> {
    rel.match_indices('/').map(|(i, _)| &rel[..i])
}

struct Change<'a> {
    rel: String,
    content: &'a str,
    /// The file on disk, or `None` when it is missing.
    old: Option<Vec<u8>>,
}

struct Plan<'a> {
    changes: Vec<Change<'a>>,
    unchanged: Vec<String>,
    removals: Vec<String>,
    warnings: Vec<Warning>,
    previous: Previous,
    /// The record once the write is complete.
    manifest: String,
    /// Whether some generated file is not in the record yet.
    added: bool,
}

fn plan<'a>(
    dir: &Path,
    dir_exists: bool,
    generated: &[(String, &'a str)],
    previous: Previous,
    mut warnings: Vec<Warning>,
) -> Result<Plan<'a>, Error> {
    let mut changes = Vec::new();
    let mut unchanged = Vec::new();
    for (rel, content) in generated {
        if !dir_exists {
            changes.push(Change {
                rel: rel.clone(),
                content,
                old: None,
            });
            continue;
        }
        let mut parent_absent = false;
        for ancestor in ancestors(rel) {
            let path = dir.join(ancestor);
            match kind(&path)? {
                Kind::Dir => {}
                Kind::Absent => {
                    parent_absent = true;
                    break;
                }
                Kind::Link => {
                    return Err(Error::OutputBlocked {
                        path,
                        reason: "is a symbolic link, and stackc never writes through links",
                    });
                }
                Kind::File | Kind::Other => {
                    return Err(Error::OutputBlocked {
                        path,
                        reason: "is not a directory, but a generated file goes inside it",
                    });
                }
            }
        }
        let path = dir.join(rel);
        let found = if parent_absent {
            Kind::Absent
        } else {
            kind(&path)?
        };
        let old = match found {
            Kind::Absent => None,
            Kind::File => Some(fs::read(&path).map_err(|source| Error::Read {
                path: path.clone(),
                source,
            })?),
            Kind::Link => {
                return Err(Error::OutputBlocked {
                    path,
                    reason: "is a symbolic link where a generated file goes, and stackc never replaces links",
                });
            }
            Kind::Dir | Kind::Other => {
                return Err(Error::OutputBlocked {
                    path,
                    reason: "is not a regular file, but a generated file goes there",
                });
            }
        };
        if old.as_deref() == Some(content.as_bytes()) {
            unchanged.push(rel.clone());
        } else {
            changes.push(Change {
                rel: rel.clone(),
                content,
                old,
            });
        }
    }

    // The paths are unique (`validate`), so an unstable sort orders them as a set would.
    let mut current: Vec<&str> = generated.iter().map(|(rel, _)| rel.as_str()).collect();
    current.sort_unstable();
    let mut removals = Vec::new();
    for rel in &previous.entries {
        if current.binary_search(&rel.as_str()).is_ok() {
            continue;
        }
        if let Some(removal) = stale_entry(dir, rel, &mut warnings)? {
            removals.push(removal);
        }
    }
    let added = current.iter().any(|rel| !previous.entries.contains(*rel));
    Ok(Plan {
        changes,
        unchanged,
        removals,
        warnings,
        previous,
        manifest: manifest_text(current),
        added,
    })
}

/// Decides what to do with a file an earlier build wrote and this one does not generate:
/// `Some` to remove it; `None` when it is gone already or is no longer a plain file.
fn stale_entry(
    dir: &Path,
    rel: &str,
    warnings: &mut Vec<Warning>,
) -> Result<Option<String>, Error> {
    for ancestor in ancestors(rel) {
        match kind(&dir.join(ancestor))? {
            Kind::Dir => {}
            Kind::Absent | Kind::File | Kind::Other => return Ok(None),
            Kind::Link => {
                warnings.push(Warning::LinkLeftAlone {
                    path: PathBuf::from(ancestor),
                });
                return Ok(None);
            }
        }
    }
    Ok(match kind(&dir.join(rel))? {
        Kind::Absent => None,
        Kind::File => Some(rel.to_owned()),
        Kind::Link => {
            warnings.push(Warning::LinkLeftAlone {
                path: PathBuf::from(rel),
            });
            None
        }
        Kind::Dir | Kind::Other => {
            warnings.push(Warning::NotAFileLeftAlone {
                path: PathBuf::from(rel),
            });
            None
        }
    })
}

impl Plan<'_> {
    fn check(self, dir: &Path) -> WriteReport {
        let mut stale = Vec::new();
        for change in &self.changes {
            let staleness = match &change.old {
                None => Staleness::Missing,
                Some(old) => Staleness::Changed {
                    diff: unified_diff(
                        dir,
                        &change.rel,
                        &String::from_utf8_lossy(old),
                        change.content,
                    ),
                },
            };
            stale.push((PathBuf::from(&change.rel), staleness));
        }
        for rel in &self.removals {
            stale.push((PathBuf::from(rel), Staleness::Extra));
        }
        match &self.previous.text {
            Some(old) if *old == self.manifest => {}
            Some(old) => stale.push((
                PathBuf::from(MANIFEST),
                Staleness::Changed {
                    diff: unified_diff(dir, MANIFEST, old, &self.manifest),
                },
            )),
            None => stale.push((PathBuf::from(MANIFEST), Staleness::Missing)),
        }
        WriteReport {
            unchanged: self.unchanged.into_iter().map(PathBuf::from).collect(),
            stale,
            warnings: self.warnings,
            ..WriteReport::default()
        }
    }

    /// Writes a directory that does not exist yet: every file goes into a hidden sibling
    /// directory, which is renamed into place once complete. A reader sees no directory or the
    /// whole one, and each file costs one create and one write instead of a rename of its own.
    fn create(self, dir: &Path) -> Result<WriteReport, Error> {
        let (Some(parent), Some(name)) = (dir.parent(), dir.file_name()) else {
            return self.create_in_place(dir);
        };
        // A dangling link is not replaced by a rename: creating through it fails as it did.
        if kind(dir)? != Kind::Absent {
            return self.create_in_place(dir);
        }
        let parent = if parent.as_os_str().is_empty() {
            Path::new(".")
        } else {
            parent
        };
        fs::create_dir_all(parent).map_err(|source| Error::Write {
            path: parent.to_path_buf(),
            source,
        })?;
        let staging = create_unique(parent, &format!(".{}", name.to_string_lossy()), |path| {
            fs::create_dir(path)
        })?
        .0;
        let filled = self.fill(&staging).and_then(|report| {
            fs::rename(&staging, dir)
                .map(|()| report)
                .map_err(|source| Error::Write {
                    path: dir.to_path_buf(),
                    source,
                })
        });
        if filled.is_err() {
            let _ = fs::remove_dir_all(&staging);
        }
        filled
    }

    /// [`Plan::create`] for a path without a parent or a name (`/`, `..`), or where a dangling
    /// link stands: the directory is made first and filled file by file.
    fn create_in_place(self, dir: &Path) -> Result<WriteReport, Error> {
        fs::create_dir_all(dir).map_err(|source| Error::Write {
            path: dir.to_path_buf(),
            source,
        })?;
        self.apply(dir)
    }

    /// Writes every file and the record into `dir`, an empty directory no one else reads. Two
    /// threads write the files side by side: creating thousands of files is kernel time, which
    /// the second core can share. Each takes the next few files when it is done with its last
    /// ones, so both finish together however the sizes differ (a chart's values and their schema
    /// are megabytes) and whenever the second one starts.
    fn fill(self, dir: &Path) -> Result<WriteReport, Error> {
        let mut made = "";
        for change in &self.changes {
            let Some((parent, _)) = change.rel.rsplit_once('/') else {
                continue;
            };
            if parent != made {
                let path = dir.join(parent);
                fs::create_dir_all(&path).map_err(|source| Error::Write { path, source })?;
                made = parent;
            }
        }
        let next = AtomicUsize::new(0);
        let take = || {
            let start = next.fetch_add(FILES_PER_TAKE, Ordering::Relaxed);
            let rest = self.changes.get(start..).filter(|rest| !rest.is_empty())?;
            Some((start, &rest[..rest.len().min(FILES_PER_TAKE)]))
        };
        let create = || create_files(dir, take);
        match crate::parallel::join(create, create) {
            (Ok(()), Ok(())) => {}
            // The error of the earliest file, which writing them in order would have met first:
            // every taken file is tried until its thread fails, so the earliest failing one is.
            (Err((a, first)), Err((b, second))) => return Err(if a < b { first } else { second }),
            (Err((_, error)), Ok(())) | (Ok(()), Err((_, error))) => return Err(error),
        }
        let record = dir.join(MANIFEST);
        fs::write(&record, &self.manifest).map_err(|source| Error::Write {
            path: record,
            source,
        })?;
        Ok(WriteReport {
            written: self.changes.iter().map(|c| PathBuf::from(&c.rel)).collect(),
            warnings: self.warnings,
            ..WriteReport::default()
        })
    }

    fn apply(self, dir: &Path) -> Result<WriteReport, Error> {
        let mut on_disk = self.previous.text.clone();
        if self.added {
            let union: BTreeSet<&str> = self
                .previous
                .entries
                .iter()
                .map(String::as_str)
                .chain(self.changes.iter().map(|c| c.rel.as_str()))
                .chain(self.unchanged.iter().map(String::as_str))
                .collect();
            let text = manifest_text(union);
            write_atomic(dir, MANIFEST, &text)?;
            on_disk = Some(text);
        }
        let mut written = Vec::with_capacity(self.changes.len());
        for change in &self.changes {
            if let Some((parent, _)) = change.rel.rsplit_once('/') {
                let parent = dir.join(parent);
                fs::create_dir_all(&parent).map_err(|source| Error::Write {
                    path: parent,
                    source,
                })?;
            }
            write_atomic(dir, &change.rel, change.content)?;
            written.push(PathBuf::from(&change.rel));
        }
        let mut removed = Vec::with_capacity(self.removals.len());
        for rel in &self.removals {
            let path = dir.join(rel);
            match fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                Err(source) => return Err(Error::Write { path, source }),
            }
            remove_empty_parents(dir, rel);
            removed.push(PathBuf::from(rel));
        }
        if on_disk.as_deref() != Some(self.manifest.as_str()) {
            write_atomic(dir, MANIFEST, &self.manifest)?;
        }
        Ok(WriteReport {
            written,
            unchanged: self.unchanged.into_iter().map(PathBuf::from).collect(),
            removed,
            stale: Vec::new(),
            warnings: self.warnings,
        })
    }
}

/// How many files a thread takes at a time in [`Plan::fill`]: enough that taking them costs
/// nothing beside creating them, few enough that the threads finish within a few files.
const FILES_PER_TAKE: usize = 16;

/// Creates the files of each batch `take` hands out, in `dir`, whose directories exist; on
/// failure, the error and the index of its batch's first file.
///
/// Each name is opened relative to a descriptor of `dir`: a path from the root is walked again
/// for every file, and two writers walking the same parents while the directory changes fall
/// back to taking a reference on each of them. Creating 3 000 files on two threads takes a
/// tenth to a half less time (docs/performance.md, item 40).
#[cfg(unix)]
fn create_files<'c>(
    dir: &Path,
    take: impl Fn() -> Option<(usize, &'c [Change<'c>])>,
) -> Result<(), (usize, Error)> {
    use rustix::fs::{Mode, OFlags};
    let written = |handle: &fs::File, change: &Change<'_>| -> io::Result<()> {
        let flags = OFlags::WRONLY | OFlags::CREATE | OFlags::TRUNC | OFlags::CLOEXEC;
        let file = rustix::fs::openat(handle, change.rel.as_str(), flags, Mode::from(0o666))?;
        fs::File::from(file).write_all(change.content.as_bytes())
    };
    let handle = fs::File::open(dir).map_err(|source| {
        let path = dir.to_path_buf();
        (0, Error::Write { path, source })
    })?;
    while let Some((start, batch)) = take() {
        for change in batch {
            written(&handle, change).map_err(|source| {
                let path = dir.join(&change.rel);
                (start, Error::Write { path, source })
            })?;
        }
    }
    Ok(())
}

/// Creates the files of each batch `take` hands out, in `dir`, whose directories exist.
#[cfg(not(unix))]
fn create_files<'c>(
    dir: &Path,
    take: impl Fn() -> Option<(usize, &'c [Change<'c>])>,
) -> Result<(), (usize, Error)> {
    while let Some((start, batch)) = take() {
        for change in batch {
            let path = dir.join(&change.rel);
            fs::write(&path, change.content)
                .map_err(|source| (start, Error::Write { path, source }))?;
        }
    }
    Ok(())
}

/// Removes the directories that held `rel` and are now empty, innermost first. `remove_dir`
/// fails on a non-empty directory and on a link, so nothing else can go.
fn remove_empty_parents(dir: &Path, rel: &str) {
    let mut ancestors: Vec<&str> = ancestors(rel).collect();
    while let Some(ancestor) = ancestors.pop() {
        if fs::remove_dir(dir.join(ancestor)).is_err() {
            break;
        }
    }
}

/// Creates a new file or directory named `{prefix}.stackc-tmp-{pid}-{n}` in `parent`, trying the
/// next `n` while the name is taken.
fn create_unique<T>(
    parent: &Path,
    prefix: &str,
    create: impl Fn(&Path) -> io::Result<T>,
) -> Result<(PathBuf, T), Error> {
    let pid = std::process::id();
    let mut attempt = 0u32;
    loop {
        let path = parent.join(format!("{prefix}.stackc-tmp-{pid}-{attempt}"));
        match create(&path) {
            Ok(made) => return Ok((path, made)),
            // A leftover of an interrupted run with the same process id.
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && attempt < 100 => attempt += 1,
            Err(source) => return Err(Error::Write { path, source }),
        }
    }
}

fn write_atomic(dir: &Path, rel: &str, content: &str) -> Result<(), Error> {
    let target = dir.join(rel);
    let parent = target.parent().unwrap_or(dir);
    let (temp, mut file) = create_unique(parent, "", |path| {
        fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
    })?;
    let written = file.write_all(content.as_bytes());
    drop(file);
    if let Err(source) = written.and_then(|()| fs::rename(&temp, &target)) {
        let _ = fs::remove_file(&temp);
        return Err(Error::Write {
            path: target,
            source,
        });
    }
    Ok(())
}

fn unified_diff(dir: &Path, rel: &str, old: &str, new: &str) -> String {
    let shown = dir.join(rel).display().to_string();
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(
            &format!("{shown} (on disk)"),
            &format!("{shown} (generated)"),
        )
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::{Change, Plan, plain_components, plain_relative};
    use crate::error::Error;
    use std::path::Path;

    #[test]
    fn the_earliest_file_that_cannot_be_written_is_the_one_reported() {
        let names: Vec<String> = (0..200).map(|i| format!("f{i:03}")).collect();
        for _ in 0..20 {
            let dir = tempfile::tempdir().unwrap();
            // A directory stands where two files go, far apart, so that each thread meets one.
            for blocked in ["f150", "f031"] {
                std::fs::create_dir(dir.path().join(blocked)).unwrap();
            }
            let plan = Plan {
                changes: names
                    .iter()
                    .map(|rel| Change {
                        rel: rel.clone(),
                        content: "x",
                        old: None,
                    })
                    .collect(),
                unchanged: Vec::new(),
                removals: Vec::new(),
                warnings: Vec::new(),
                previous: super::Previous::default(),
                manifest: String::new(),
                added: true,
            };
            match plan.fill(dir.path()) {
                Err(Error::Write { path, .. }) => assert_eq!(path, dir.path().join("f031")),
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn the_one_pass_check_agrees_with_the_component_check() {
        let long = "n".repeat(255);
        let too_long = "n".repeat(256);
        let paths = [
            "a",
            "a/b",
            "A-b_c.d/e.yaml",
            "templates/web-deployment.yaml",
            long.as_str(),
            too_long.as_str(),
            "",
            "/",
            "/a",
            "a/",
            "a//b",
            ".",
            "./a",
            "a/.",
            "a/./b",
            "..",
            "a/../b",
            ".hidden",
            "a/..b",
            ".stackc-files",
            "x/.stackc-files",
            "a b",
            "a\\b",
            "é",
            "a:b",
        ];
        for path in paths {
            assert_eq!(
                plain_relative(Path::new(path)),
                plain_components(Path::new(path), path),
                "{path:?}"
            );
        }
    }
}
