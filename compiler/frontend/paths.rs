//! Relative paths made absolute against the project directory, as compose-go's
//! `paths.ResolveRelativePaths` does on the merged dict, plus Go's `path.Clean` and
//! `filepath.Join` (unix semantics) that the frontend needs to match its output byte for byte.

use std::borrow::Cow;
use std::path::Path;
use std::sync::LazyLock;

use super::node::{Node, Value};
use super::tree::{Cursor, PatternSet};
use crate::diagnostics::{Code, Diagnostic};
use crate::ir::locate::FROM_PROJECT_DIR;

type Resolve = fn(&Resolver, &mut Node) -> Result<(), Diagnostic>;

/// compose-go's resolvers; like its other tree walks, the first matching pattern owns the subtree.
/// `include.path` never matches a list item (`include.[].path`): compose-go resolves include
/// paths while loading them, and so does stackc.
const RESOLVERS: &[(&str, Resolve)] = &[
    ("services.*.build.context", Resolver::abs_context_path),
    (
        "services.*.build.additional_contexts.*",
        Resolver::abs_context_path,
    ),
    ("services.*.build.ssh.*", Resolver::maybe_unix_path),
    ("services.*.env_file.*.path", Resolver::abs_path),
    ("services.*.label_file.*", Resolver::abs_path),
    ("services.*.extends.file", Resolver::abs_extends_path),
    (
        "services.*.develop.watch.*.path",
        Resolver::abs_symbolic_link,
    ),
    ("services.*.volumes.*", Resolver::abs_volume_mount),
    ("configs.*.file", Resolver::file_object_path),
    ("secrets.*.file", Resolver::file_object_path),
    ("include.path", Resolver::abs_path),
    ("include.project_directory", Resolver::abs_path),
    ("include.env_file", Resolver::abs_path),
    ("volumes.*", Resolver::volume_driver_opts),
];

static RESOLVER_PATTERNS: LazyLock<PatternSet> =
    LazyLock::new(|| PatternSet::new(RESOLVERS.iter().map(|(pattern, _)| *pattern)));

/// Makes every path-valued attribute absolute against `working_dir`, expanding a leading `~`
/// with `$HOME` as Go's `os.UserHomeDir` does.
pub fn resolve_relative_paths(root: &mut Node, working_dir: &Path) -> Result<(), Diagnostic> {
    let home = std::env::var("HOME").ok().filter(|h| !h.is_empty());
    resolve_with_home(root, working_dir, home)
}

pub(crate) fn resolve_with_home(
    root: &mut Node,
    working_dir: &Path,
    home: Option<String>,
) -> Result<(), Diagnostic> {
    let resolver = Resolver {
        working_dir: working_dir.to_string_lossy().into_owned(),
        home,
    };
    let cursor = RESOLVER_PATTERNS.root();
    let Some(map) = root.as_map_mut() else {
        return resolver.walk(root, cursor);
    };
    for (key, entry) in map.iter_mut() {
        let child = RESOLVER_PATTERNS.step(cursor, key);
        if key == "services" {
            resolver.services(&mut entry.node, child)?;
        } else {
            resolver.walk(&mut entry.node, child)?;
        }
    }
    Ok(())
}

struct Resolver {
    working_dir: String,
    home: Option<String>,
}

impl Resolver {
    /// Only subtrees where some resolver's pattern can still match are visited.
    fn walk(&self, node: &mut Node, cursor: Cursor) -> Result<(), Diagnostic> {
        let patterns = &*RESOLVER_PATTERNS;
        if let Some(i) = patterns.matched(cursor) {
            return RESOLVERS[i].1(self, node);
        }
        if !patterns.may_match_below(cursor) {
            return Ok(());
        }
        match &mut node.value {
            Value::Map(map) => {
                for (key, entry) in map.iter_mut() {
                    self.walk(&mut entry.node, patterns.step(cursor, key))?;
                }
            }
            Value::Seq(items) => {
                let item = patterns.step(cursor, "[]");
                for node in items {
                    self.walk(node, item)?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// [`Resolver::walk`] of the `services` mapping, whose services are independent: they are
    /// shared among threads, and the first error in service order is the one returned.
    fn services(&self, node: &mut Node, cursor: Cursor) -> Result<(), Diagnostic> {
        let patterns = &*RESOLVER_PATTERNS;
        if patterns.matched(cursor).is_some() || !patterns.may_match_below(cursor) {
            return self.walk(node, cursor);
        }
        let Value::Map(services) = &mut node.value else {
            return self.walk(node, cursor);
        };
        crate::parallel::try_for_each(services.iter_mut(), |(key, entry)| {
            self.walk(&mut entry.node, patterns.step(cursor, key))
        })
    }

    /// Go's `paths.ExpandUser`: `~anything` becomes `$HOME/anything`; without a home, unchanged.
    fn expand_user<'p>(&self, p: &'p str) -> Cow<'p, str> {
        match (p.strip_prefix('~'), &self.home) {
            (Some(rest), Some(home)) => Cow::Owned(join(&[home, rest])),
            _ => Cow::Borrowed(p),
        }
    }

    fn abs_path(&self, node: &mut Node) -> Result<(), Diagnostic> {
        match &mut node.value {
            Value::Seq(items) => items.iter_mut().try_for_each(|item| self.abs_path(item)),
            Value::Str(p) => {
                let expanded = self.expand_user(p);
                if !(expanded.starts_with('/') || expanded.is_empty()) {
                    *p = join(&[&self.working_dir, &expanded]);
                } else if let Cow::Owned(expanded) = expanded {
                    *p = expanded;
                }
                Ok(())
            }
            _ => Err(Diagnostic::error(
                Code::UnexpectedShape,
                format!(
                    "a path is {}, which compose cannot resolve",
                    node.kind_name()
                ),
            )
            .with_label(Some(node.span), "expected a path string")
            .with_help("write the path as a string")),
        }
    }

    /// Paths a Windows client may send to a unix engine: absolute Windows paths stay as written.
    #[expect(
        clippy::unnecessary_wraps,
        reason = "every resolver has the table's signature"
    )]
    fn maybe_unix_path(&self, node: &mut Node) -> Result<(), Diagnostic> {
        if let Value::Str(p) = &mut node.value {
            let expanded = self.expand_user(p);
            if !(expanded.starts_with('/') || is_windows_abs(&expanded)) {
                *p = join(&[&self.working_dir, &expanded]);
            } else if let Cow::Owned(expanded) = expanded {
                *p = expanded;
            }
        }
        Ok(())
    }

    fn abs_context_path(&self, node: &mut Node) -> Result<(), Diagnostic> {
        match node.as_str() {
            Some(context)
                if context.contains("://")
                    || context.starts_with("service:")
                    || is_remote_context(context) =>
            {
                Ok(())
            }
            Some(_) => self.abs_path(node),
            None => Ok(()),
        }
    }

    fn abs_extends_path(&self, node: &mut Node) -> Result<(), Diagnostic> {
        match node.as_str() {
            Some(file) if file.starts_with("oci://") || is_remote_context(file) => Ok(()),
            Some(_) => self.abs_path(node),
            None => Ok(()),
        }
    }

    fn abs_symbolic_link(&self, node: &mut Node) -> Result<(), Diagnostic> {
        self.abs_path(node)?;
        let Value::Str(p) = &mut node.value else {
            return Ok(());
        };
        match resolve_symbolic_link(p) {
            Ok(resolved) => {
                *p = resolved;
                Ok(())
            }
            Err(error) => Err(Diagnostic::error(
                Code::SymlinkUnresolved,
                format!("cannot resolve the symbolic link in `{p}`: {error}"),
            )
            .with_label(Some(node.span), "watched path")
            .with_help("fix or remove the broken link, or watch another path")),
        }
    }

    fn abs_volume_mount(&self, node: &mut Node) -> Result<(), Diagnostic> {
        let span = node.span;
        let Some(map) = node.as_map_mut() else {
            return Ok(());
        };
        if map.get("type").and_then(|e| e.node.as_str()) != Some("bind") {
            return Ok(());
        }
        match map.get_mut("source") {
            Some(source) => {
                let written = source
                    .node
                    .as_str()
                    .filter(|p| !p.starts_with('/'))
                    .map(str::to_owned);
                let from_shell = source
                    .node
                    .template()
                    .zip(source.node.as_str())
                    .and_then(|(template, value)| shell_relative(template, value));
                self.maybe_unix_path(&mut source.node)?;
                if let Some(written) = written
                    && source.node.as_str() != Some(written.as_str())
                {
                    source.node.set_relative_path(&written);
                } else if let Some(written) = from_shell {
                    source.node.set_relative_path(&written);
                }
                Ok(())
            }
            None => Err(Diagnostic::error(
                Code::BindWithoutSource,
                "invalid mount config for type `bind`: field `source` must not be empty",
            )
            .with_label(Some(span), "bind mount without `source`")
            .with_help("add `source:` with the host path, or use `type: volume`")),
        }
    }

    /// The `file` of a secret or config, noting one written from `$PWD` (`$PWD/conf/app.ini`):
    /// lowering reads it from the project directory, as it places a bind source from `$PWD`.
    fn file_object_path(&self, node: &mut Node) -> Result<(), Diagnostic> {
        let from_project_dir = written_from_project_dir(node);
        self.maybe_unix_path(node)?;
        if let Some(written) = from_project_dir {
            node.set_relative_path(&written);
        }
        Ok(())
    }

    /// A volume with `o: bind` is really a bind mount of `device`, which the loader resolves
    /// for the `local` driver named, and lowering places for Docker's default driver too.
    fn volume_driver_opts(&self, node: &mut Node) -> Result<(), Diagnostic> {
        let local = node.get("driver").and_then(Node::as_str) == Some("local");
        let Some(opts) = node.get_mut("driver_opts") else {
            return Ok(());
        };
        if opts.get("o").and_then(Node::as_str) != Some("bind") {
            return Ok(());
        }
        let Some(device) = opts.get_mut("device") else {
            return Ok(());
        };
        let from_project_dir = written_from_project_dir(device);
        if local {
            self.maybe_unix_path(device)?;
        }
        if let Some(written) = from_project_dir {
            device.set_relative_path(&written);
        }
        Ok(())
    }
}

/// How a path written from `$PWD` (`$PWD/conf`, `${DATA}` of an env file that sets it from
/// `$PWD`) reads from the project directory (`$PWD/conf`), before the node is resolved.
fn written_from_project_dir(node: &Node) -> Option<String> {
    node.template()
        .zip(node.as_str())
        .and_then(|(template, value)| shell_relative(template, value))
        .filter(|w| w.starts_with(FROM_PROJECT_DIR))
}

/// Build contexts that `BuildKit` fetches itself: git references and HTTP(S) URLs.
fn is_remote_context(context: &str) -> bool {
    [
        "https://",
        "http://",
        "git://",
        "ssh://",
        "github.com/",
        "git@",
    ]
    .iter()
    .any(|prefix| context.starts_with(prefix))
}

fn is_separator(b: u8) -> bool {
    b == b'/' || b == b'\\'
}

/// compose-go's `IsWindowsAbs` for a path that does not start with `/`: a drive letter followed
/// by a separator, a UNC `\\host`, or a `\??\` device path with a component after the prefix.
pub(crate) fn is_windows_abs(p: &str) -> bool {
    let b = p.as_bytes();
    if b.len() >= 2 && b[1] == b':' {
        return b.len() > 2 && is_separator(b[2]);
    }
    if b.len() < 2 || !is_separator(b[0]) {
        return false;
    }
    if is_separator(b[1]) {
        return true;
    }
    let device_prefix =
        b.len() >= 3 && b[1] == b'?' && b[2] == b'?' && (b.len() == 3 || is_separator(b[3]));
    device_prefix && b.len() > 4 && b[4..].iter().any(|&c| is_separator(c))
}

/// Go's `utils.ResolveSymbolicLink`: replaces the first component of `p` that is a symbolic
/// link by the fully resolved target of that component.
fn resolve_symbolic_link(p: &str) -> std::io::Result<String> {
    let mut current = String::from(if p.starts_with('/') { "/" } else { "" });
    for part in p.split('/').filter(|s| !s.is_empty()) {
        current = join(&[&current, part]);
        let is_link = std::fs::symlink_metadata(&current).is_ok_and(|m| m.file_type().is_symlink());
        if is_link {
            let target = std::fs::canonicalize(&current)?;
            return Ok(p.replacen(&current, &target.to_string_lossy(), 1));
        }
    }
    Ok(p.to_owned())
}

/// Go's `filepath.Join` on unix: the non-empty elements joined with `/`, then cleaned.
#[must_use]
pub fn join(elements: &[&str]) -> String {
    let mut joined = String::with_capacity(elements.iter().map(|e| e.len() + 1).sum());
    for element in elements.iter().filter(|e| !e.is_empty()) {
        if !joined.is_empty() {
            joined.push('/');
        }
        joined.push_str(element);
    }
    if joined.is_empty() || is_clean(&joined) {
        joined
    } else {
        clean(&joined)
    }
}

/// Whether [`clean`] would return `p` unchanged: no empty, `.` or `..` part and no trailing
/// slash, the usual case, which then costs no rebuilding.
pub(crate) fn is_clean(p: &str) -> bool {
    if p == "/" {
        return true;
    }
    let body = p.strip_prefix('/').unwrap_or(p);
    !body.is_empty() && body.split('/').all(|part| !matches!(part, "" | "." | ".."))
}

/// Go's `path.Clean`: the shortest equivalent path, without `.`, `..` that can be resolved,
/// repeated or trailing slashes; `.` for an empty result.
#[must_use]
pub fn clean(p: &str) -> String {
    if is_clean(p) {
        return p.to_owned();
    }
    let rooted = p.starts_with('/');
    let mut out: Vec<&str> = Vec::new();
    for part in p.split('/') {
        match part {
            "" | "." => {}
            ".." => match out.last() {
                Some(&last) if last != ".." => {
                    out.pop();
                }
                _ if rooted => {}
                _ => out.push(".."),
            },
            _ => out.push(part),
        }
    }
    if !rooted && out.is_empty() {
        return ".".to_owned();
    }
    let mut cleaned = String::with_capacity(p.len() + 1);
    for (i, part) in out.iter().enumerate() {
        if rooted || i > 0 {
            cleaned.push('/');
        }
        cleaned.push_str(part);
    }
    if cleaned.is_empty() {
        cleaned.push('/');
    }
    cleaned
}

/// [`clean`] for a filesystem path.
#[must_use]
pub fn clean_path(p: &Path) -> std::path::PathBuf {
    std::path::PathBuf::from(clean(&p.to_string_lossy()))
}

/// The directory variables of the shell that bind sources are written from, with the form
/// their relative path takes.
const SHELL_DIRECTORIES: [(&str, &str); 2] = [("HOME", "~"), ("PWD", FROM_PROJECT_DIR)];

/// A bind source written from `$HOME` or `$PWD` (`${HOME}/media`, `$PWD/${APP}/conf`,
/// `${DATA:-$PWD/data}`) as the path it stands for (`~/media`, `$PWD/web/conf`, `$PWD/data`),
/// from its `template` and interpolated `value`: both variables name directories of whoever
/// runs compose, which lowering must not copy into manifests. `None` for any other text.
pub(crate) fn shell_relative(template: &str, value: &str) -> Option<String> {
    relative_to_shell(template, value, |name| {
        std::env::var(name).unwrap_or_default()
    })
}

/// [`shell_relative`] with the shell's variables read by `shell`. A value is taken to come
/// from a directory variable when the template starts with it, or uses it (in a default, say)
/// and the value starts with its directory.
fn relative_to_shell(
    template: &str,
    value: &str,
    shell: impl Fn(&str) -> String,
) -> Option<String> {
    let at_boundary = |rest: &str| rest.is_empty() || rest.starts_with('/');
    SHELL_DIRECTORIES.iter().find_map(|&(name, form)| {
        let starts = template
            .strip_prefix("${")
            .and_then(|r| r.strip_prefix(name)?.strip_prefix('}'))
            .or_else(|| template.strip_prefix('$')?.strip_prefix(name))
            .is_some_and(at_boundary);
        let directory = shell(name);
        let directory = directory.trim_end_matches('/');
        let used = !directory.is_empty()
            && super::substitute::variables(template).any(|variable| variable == name);
        if !starts && !used {
            return None;
        }
        let rest = value.strip_prefix(directory)?;
        at_boundary(rest).then(|| format!("{form}{rest}"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frontend::yaml;
    use crate::source::FileId;

    #[test]
    fn a_source_written_from_home_or_pwd_keeps_its_form() {
        let at = |template: &str, value: &str| {
            relative_to_shell(template, value, |name| match name {
                "HOME" => "/home/me".to_owned(),
                "PWD" => "/work/shop/".to_owned(),
                _ => String::new(),
            })
        };
        assert_eq!(
            at("$HOME/media", "/home/me/media").as_deref(),
            Some("~/media")
        );
        assert_eq!(at("${HOME}", "/home/me").as_deref(), Some("~"));
        assert_eq!(at("$HOMEDIR/media", "/home/x/media"), None);
        assert_eq!(
            at("${HOME}/${APP}/data", "/home/me/web/data").as_deref(),
            Some("~/web/data")
        );
        assert_eq!(at("${HOME}${APP}", "/home/meweb"), None);
        assert_eq!(at("/srv/$HOME", "/srv/home/me"), None);
        assert_eq!(
            at("${PWD}/conf", "/work/shop/conf").as_deref(),
            Some("$PWD/conf")
        );
        assert_eq!(at("$PWD", "/work/shop").as_deref(), Some("$PWD"));
        assert_eq!(
            at("${PWD:-.}/conf", "/work/shop/conf").as_deref(),
            Some("$PWD/conf")
        );
        assert_eq!(at("$PWDX/conf", "/conf"), None);
        assert_eq!(
            at("${DATA:-${PWD}/data}", "/work/shop/data").as_deref(),
            Some("$PWD/data")
        );
        assert_eq!(at("${DATA:-${PWD}/data}", "/srv/data"), None);
        assert_eq!(at("/srv/${PWD}", "/srv/work/shop"), None);
    }

    #[test]
    fn clean_matches_go() {
        for (input, want) in [
            ("", "."),
            ("/", "/"),
            ("a/b/../c", "a/c"),
            ("/../a", "/a"),
            ("../../a", "../../a"),
            ("a/../..", ".."),
            ("//a//b/./", "/a/b"),
            ("./", "."),
        ] {
            assert_eq!(clean(input), want, "clean({input:?})");
        }
        assert_eq!(join(&["/p", "./x/"]), "/p/x");
        assert_eq!(join(&["", ""]), "");
    }

    #[test]
    fn windows_absolute_paths() {
        assert!(is_windows_abs(r"C:\x"));
        assert!(is_windows_abs("c:/x"));
        assert!(is_windows_abs(r"\\host\share"));
        assert!(is_windows_abs(r"\??\C:\x"));
        assert!(!is_windows_abs("C:x"));
        assert!(!is_windows_abs(r"\x"));
        assert!(!is_windows_abs("x"));
    }

    fn resolved(text: &str) -> serde_json::Value {
        let mut root = yaml::parse(text, FileId(0)).unwrap().remove(0);
        crate::frontend::canonical::canonical(&mut root).unwrap();
        resolve_with_home(&mut root, Path::new("/project"), Some("/home/u".into())).unwrap();
        root.to_json()
    }

    #[test]
    fn resolves_service_paths() {
        let json = resolved(
            r"
services:
  web:
    build: ./app
    env_file: [.env, /abs.env]
    label_file: labels
    volumes: ['./a:/b', '~/x:/y', 'C:\x:/z', 'named:/n']
    develop:
      watch: [{path: ./src, action: sync}]
  remote:
    build:
      context: https://github.com/x/y.git
      additional_contexts: {a: ../shared, b: 'docker-image://alpine', c: 'service:web'}
      ssh: [default, key=~/.ssh/id]
secrets:
  s: {file: ./s.txt}
volumes:
  v: {driver: local, driver_opts: {o: bind, device: ./data, type: none}}
  w:
",
        );
        let web = &json["services"]["web"];
        assert_eq!(web["build"]["context"], "/project/app");
        assert_eq!(web["env_file"][0]["path"], "/project/.env");
        assert_eq!(web["env_file"][1]["path"], "/abs.env");
        assert_eq!(web["label_file"][0], "/project/labels");
        let sources: Vec<&str> = (0..4)
            .map(|i| web["volumes"][i]["source"].as_str().unwrap())
            .collect();
        assert_eq!(sources, ["/project/a", "/home/u/x", r"C:\x", "named"]);
        assert_eq!(web["develop"]["watch"][0]["path"], "/project/src");
        let build = &json["services"]["remote"]["build"];
        assert_eq!(build["context"], "https://github.com/x/y.git");
        assert_eq!(build["additional_contexts"]["a"], "/shared");
        assert_eq!(build["additional_contexts"]["b"], "docker-image://alpine");
        assert_eq!(build["additional_contexts"]["c"], "service:web");
        assert_eq!(build["ssh"]["key"], "/home/u/.ssh/id");
        assert_eq!(json["secrets"]["s"]["file"], "/project/s.txt");
        assert_eq!(
            json["volumes"]["v"]["driver_opts"]["device"],
            "/project/data"
        );
    }

    #[test]
    fn watched_paths_follow_the_first_symbolic_link() {
        let scratch = tempfile::tempdir().unwrap();
        let dir = scratch.path();
        std::fs::create_dir_all(dir.join("real")).unwrap();
        let link = dir.join("link");
        std::os::unix::fs::symlink(dir.join("real"), &link).unwrap();
        let mut root = yaml::parse(
            "services: {a: {develop: {watch: [{path: ./link/sub, action: sync}]}, build: {context: 'git@github.com:x/y.git'}}}",
            FileId(0),
        )
        .unwrap()
        .remove(0);
        resolve_with_home(&mut root, dir, None).unwrap();
        let json = root.to_json();
        let real = std::fs::canonicalize(dir.join("real")).unwrap();
        let expected = format!("{}/sub", real.display());
        assert_eq!(
            json["services"]["a"]["develop"]["watch"][0]["path"],
            expected
        );
        assert_eq!(
            json["services"]["a"]["build"]["context"],
            "git@github.com:x/y.git"
        );
    }

    #[test]
    fn bind_without_source_is_an_error() {
        let mut root = yaml::parse(
            "services: {a: {volumes: [{type: bind, target: /x}]}}",
            FileId(0),
        )
        .unwrap()
        .remove(0);
        let err = resolve_with_home(&mut root, Path::new("/p"), None).unwrap_err();
        assert_eq!(err.code, Code::BindWithoutSource);
    }
}
