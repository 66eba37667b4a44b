//! Loading compose files into one merged tree, step for step as compose-go's loader does:
//! per file (and per YAML document) interpolate, strip `!reset`/`!override`, apply `extends`,
//! apply `include`, merge into what was loaded before, remove redefined list entries, validate
//! against the schema, canonicalise; then, for the whole model, defaults, checks, relative paths
//! and environment resolution.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path as FsPath, PathBuf};

use super::node::{ComposeTag, Entry, Map, Node, Value};
use super::tree::Path;
use super::{canonical, merge, normalize, paths, project, schema, substitute, validate, yaml};
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::source::{FileId, SourceMap, Span};

/// Which stages run; `extends` and `include` load other files with some of them off, as
/// compose-go does.
// One flag per loader stage, as compose-go has one option per stage.
#[allow(clippy::struct_excessive_bools)]
#[derive(Debug, Clone)]
pub(super) struct Stages {
    pub resolve_paths: bool,
    pub extends: bool,
    pub include: bool,
    pub validation: bool,
    pub default_values: bool,
    /// Relative `extends.file` and `include` paths are read from here.
    pub resource_dir: PathBuf,
}

/// The deepest `extends` chain stackc follows; real projects use two or three levels.
const MAX_EXTENDS_DEPTH: usize = 256;

/// The deepest `include` nesting stackc follows.
const MAX_INCLUDE_DEPTH: usize = 64;

/// The most services one project may define; far beyond real stacks, it bounds the work a
/// hostile file can ask for.
pub(super) const MAX_SERVICES: usize = 10_000;

/// Paths marked `!reset` or `!override` in one document: they are removed from what was loaded
/// before, so that the new value replaces it instead of merging.
#[derive(Debug, Clone, Default)]
pub(super) struct Resets(Vec<Vec<String>>);

impl Resets {
    /// Strips the `!reset` nodes of `document`, freshly parsed from `text`, and records them and
    /// the `!override` ones. A tag is written with `!`: in a file without one there is none, and
    /// the walk of the whole tree that looks for them is spared.
    fn take_from(text: &str, document: &mut Node) -> Self {
        let mut resets = Self::default();
        if text.contains('!') {
            resolve_resets(document, &mut Vec::new(), &mut resets);
        }
        resets
    }

    /// Removes every reset path from `target` (a mapping rooted like a compose file).
    fn apply(&self, target: &mut Node) {
        if self.0.is_empty() {
            return;
        }
        self.apply_at(target, &mut Vec::new());
    }

    fn apply_at(&self, node: &mut Node, path: &mut Vec<String>) {
        if let Value::Map(map) = &mut node.value {
            let keys: Vec<String> = map.keys().cloned().collect();
            for key in keys {
                path.push(key.clone());
                if self.0.iter().any(|p| p == path) {
                    map.shift_remove(&key);
                } else if let Some(entry) = map.get_mut(&key) {
                    self.apply_at(&mut entry.node, path);
                }
                path.pop();
            }
        }
        // compose-go does not remove reset entries from sequences of earlier files either.
    }
}

/// Strips `!reset` nodes (and records `!override` ones) from a freshly parsed document.
fn resolve_resets(node: &mut Node, path: &mut Vec<String>, resets: &mut Resets) {
    // Most files have no such tag: one walk that allocates nothing says so.
    if !has_compose_tag(node) {
        return;
    }
    match &mut node.value {
        Value::Map(map) => {
            let keys: Vec<String> = map.keys().cloned().collect();
            for key in keys {
                path.push(key.clone());
                let tag = map.get(&key).and_then(|e| e.node.tag);
                match tag {
                    Some(ComposeTag::Reset) => {
                        resets.0.push(path.clone());
                        map.shift_remove(&key);
                    }
                    Some(ComposeTag::Override) => resets.0.push(path.clone()),
                    None => {
                        if let Some(entry) = map.get_mut(&key) {
                            resolve_resets(&mut entry.node, path, resets);
                        }
                    }
                }
                path.pop();
            }
        }
        Value::Seq(items) => {
            let mut index = 0;
            items.retain_mut(|item| {
                path.push(index.to_string());
                index += 1;
                let keep = match item.tag {
                    Some(ComposeTag::Reset) => {
                        resets.0.push(path.clone());
                        false
                    }
                    Some(ComposeTag::Override) => {
                        resets.0.push(path.clone());
                        true
                    }
                    None => {
                        resolve_resets(item, path, resets);
                        true
                    }
                };
                path.pop();
                keep
            });
        }
        _ => {}
    }
}

fn has_compose_tag(node: &Node) -> bool {
    node.tag.is_some()
        || match &node.value {
            Value::Map(map) => map.values().any(|entry| has_compose_tag(&entry.node)),
            Value::Seq(items) => items.iter().any(has_compose_tag),
            _ => false,
        }
}

/// Tracks `(file, service)` pairs along one `extends` chain to find cycles.
#[derive(Debug, Clone, Default)]
struct ExtendsChain(Vec<(PathBuf, String, Option<Span>)>);

pub(super) struct Loader<'a> {
    pub sources: &'a mut SourceMap,
    pub diagnostics: &'a mut Diagnostics,
    /// Shown in diagnostics instead of absolute paths.
    pub cwd: PathBuf,
    pub stdin: Option<String>,
    /// Each file's documents, parsed once: the project name is read before loading, and a file
    /// named by several `extends` is read once per use.
    pub parsed: HashMap<FileId, Vec<Node>>,
    /// The documents (file, index) whose text [`Loader::lint`] has looked at: a file named by
    /// several `extends` is read several times, and warned about once.
    pub linted: HashSet<(FileId, usize)>,
    /// How env files wrote the values they set by interpolating others
    /// ([`project::ProjectSetup::env_templates`]), an included project's too.
    pub env_templates: BTreeMap<String, String>,
    /// The unset variables reported so far, each once for the whole project.
    pub unset_warned: Vec<String>,
}

/// The environment used for interpolation in one (possibly included) project.
pub(super) type Environment = BTreeMap<String, String>;

impl Loader<'_> {
    /// Interpolates a document from `environment`, seeing env files' values as they were
    /// written ([`substitute::substitute`]).
    fn interpolate(
        &mut self,
        document: &mut Node,
        environment: &Environment,
    ) -> Result<(), Diagnostic> {
        let lookup = |k: &str| environment.get(k).cloned();
        substitute::substitute(
            document,
            &lookup,
            &self.env_templates,
            &mut self.unset_warned,
            self.diagnostics,
        )
    }

    /// Warnings about what one document, once interpolated, says that Docker Compose reads
    /// without a word: deprecated spellings, ignored options, list entries that replace others.
    fn lint(&mut self, id: FileId, index: usize, document: &Node) {
        if !self.linted.insert((id, index)) {
            return;
        }
        let warnings = canonical::file_warnings(document);
        for warning in warnings
            .into_iter()
            .chain(merge::replaced_entries(document))
        {
            self.diagnostics.push(warning);
        }
    }

    /// Reads and parses a file, registering it for diagnostics.
    pub(super) fn read(
        &mut self,
        path: &FsPath,
        is_stdin: bool,
        cause: Option<Span>,
    ) -> Result<(FileId, Vec<Node>), Diagnostic> {
        let id = self.source(path, is_stdin, cause)?;
        if let Some(documents) = self.parsed.get(&id) {
            return Ok((id, documents.clone()));
        }
        let documents = yaml::parse(&self.sources.get(id).text, id)?;
        self.parsed.insert(id, documents.clone());
        Ok((id, documents))
    }

    /// Like [`Loader::read`], but hands over the cached documents instead of a copy: for the
    /// project's own files, which are loaded once. A later `extends` of such a file parses it
    /// again.
    pub(super) fn take(
        &mut self,
        path: &FsPath,
        is_stdin: bool,
    ) -> Result<(FileId, Vec<Node>), Diagnostic> {
        let (id, _) = self.peek(path, is_stdin)?;
        let documents = self.parsed.remove(&id).unwrap_or_default();
        Ok((id, documents))
    }

    /// The documents of a file, parsed once and kept for later reads, without a copy.
    pub(super) fn peek(
        &mut self,
        path: &FsPath,
        is_stdin: bool,
    ) -> Result<(FileId, &[Node]), Diagnostic> {
        let id = self.source(path, is_stdin, None)?;
        if !self.parsed.contains_key(&id) {
            let documents = yaml::parse(&self.sources.get(id).text, id)?;
            self.parsed.insert(id, documents);
        }
        Ok((id, &self.parsed[&id]))
    }

    /// The file's id in the source map, reading it on first use.
    fn source(
        &mut self,
        path: &FsPath,
        is_stdin: bool,
        cause: Option<Span>,
    ) -> Result<FileId, Diagnostic> {
        let id = if is_stdin {
            if let Some(id) = self.sources.find(FsPath::new("-")) {
                id
            } else {
                let text = self.stdin.clone().unwrap_or_default();
                self.add_source(PathBuf::from("-"), "<stdin>".to_owned(), text)
            }
        } else if let Some(id) = self.sources.find(path) {
            id
        } else {
            let text = read_text(path).map_err(|error| {
                let name = self.display(path);
                match error {
                    ReadError::Io(message) => Diagnostic::error(
                        Code::MissingFile,
                        format!("cannot read `{name}`: {message}"),
                    )
                    .with_help(
                        "check the path; relative paths are resolved from the project directory",
                    ),
                    ReadError::TooLarge(bytes) => Diagnostic::error(
                        Code::YamlLimit,
                        format!(
                            "`{name}` is {} MiB, more than the {} MiB stackc reads",
                            bytes.div_ceil(1024 * 1024),
                            yaml::MAX_FILE_BYTES / (1024 * 1024)
                        ),
                    )
                    .with_help("split the project into several files and use `include`"),
                    ReadError::NotUtf8(offset) => Diagnostic::error(
                        Code::YamlSyntax,
                        format!(
                            "`{name}` is not valid UTF-8: the first bad byte is at offset {offset}"
                        ),
                    )
                    .with_help("save the file as UTF-8; compose files cannot use other encodings"),
                }
                .with_label(cause, "needed here")
            })?;
            let display = self.display(path);
            self.add_source(path.to_path_buf(), display, text)
        };
        Ok(id)
    }

    /// Registers a compose file's text, the one way such text enters the loader: its size
    /// decides how the schema check will run (see [`schema::prepare_for`]) and whether the heap
    /// grows at once in huge pages ([`crate::heap::prepare_for`]).
    fn add_source(&mut self, path: PathBuf, display: String, text: String) -> FileId {
        schema::prepare_for(text.len());
        crate::heap::prepare_for(text.len());
        self.sources.add(path, display, text)
    }

    /// A path as shown in diagnostics: relative to the working directory when below it.
    pub(super) fn display(&self, path: &FsPath) -> String {
        path.strip_prefix(&self.cwd)
            .map_or_else(|_| path.display().to_string(), |p| p.display().to_string())
    }

    /// A file whose document is not a mapping. No label on the file itself: it may be anything
    /// on the machine that an `include` or `extends` names (`/etc/passwd`), and a snippet would
    /// print its contents.
    fn not_a_mapping(&self, path: &FsPath, document: &Node) -> Diagnostic {
        Diagnostic::error(
            Code::NotAMapping,
            format!(
                "the top level of `{}` must be a mapping, not {}",
                self.display(path),
                document.kind_name()
            ),
        )
    }

    /// compose-go's `loadYamlModel`: every file in order, then defaults, checks, paths, env.
    pub(super) fn load_model(
        &mut self,
        files: &[(PathBuf, bool)],
        working_dir: &FsPath,
        environment: &Environment,
        stages: &Stages,
        included: &[PathBuf],
    ) -> Result<Node, Diagnostic> {
        let mut dict = Node::new(Value::Map(Box::default()), Span::new(FileId(0), 0, 0));
        for (path, is_stdin) in files {
            dict = self.load_file(
                path,
                *is_stdin,
                stages,
                working_dir,
                environment,
                dict,
                included,
            )?;
        }
        if stages.default_values {
            canonical::set_defaults(&mut dict)?;
        }
        if stages.validation {
            validate::validate(&dict).map_err(|e| with_alias_labels(&dict, e))?;
        }
        if stages.resolve_paths {
            paths::resolve_relative_paths(&mut dict, working_dir)?;
        }
        normalize::resolve_environment(&mut dict, &|k: &str| environment.get(k).cloned());
        Ok(dict)
    }

    /// compose-go's `loadYamlFile`: each document of the file is processed and merged in turn.
    #[allow(clippy::too_many_arguments)]
    fn load_file(
        &mut self,
        path: &FsPath,
        is_stdin: bool,
        stages: &Stages,
        working_dir: &FsPath,
        environment: &Environment,
        mut dict: Node,
        included: &[PathBuf],
    ) -> Result<Node, Diagnostic> {
        let (id, documents) = self.take(path, is_stdin)?;
        let text = self.sources.get(id).text.clone();
        for (index, mut document) in documents.into_iter().enumerate() {
            if document.is_null() {
                continue;
            }
            if document.as_map().is_none() {
                return Err(self
                    .not_a_mapping(path, &document)
                    .with_help("a compose file starts with keys such as `services:`"));
            }
            check_service_count(&document)?;
            self.interpolate(&mut document, environment)?;
            let resets = Resets::take_from(&text, &mut document);
            self.lint(id, index, &document);

            if stages.extends {
                self.apply_extends(&mut document, path, stages, environment, &resets)?;
            }
            resets.apply(&mut dict);

            if stages.include {
                let mut chain = included.to_vec();
                chain.push(path.to_path_buf());
                self.apply_include(&mut document, working_dir, environment, stages, &chain)?;
            }

            dict = merge::merge(dict, document, &Path::root())?;
            merge::enforce_unicity(&mut dict, &Path::root())?;

            if stages.validation {
                let errors = schema::validate(&dict, &|pointer, key| span_of(&dict, pointer, key));
                if let Some(first) = errors.into_iter().next() {
                    return Err(with_alias_labels(&dict, first));
                }
                if let Some(map) = dict.as_map_mut() {
                    if let Some((_, _, entry)) = map.shift_remove_full("version") {
                        self.diagnostics.push(
                            Diagnostic::warning(
                                Code::ObsoleteVersion,
                                "the top-level `version` key is obsolete and ignored",
                            )
                            .with_label(Some(entry.key_span), "remove this key")
                            .with_help("compose files no longer declare a version"),
                        );
                    }
                }
            }
            if let Err(e) = canonical::canonical(&mut dict) {
                return Err(with_alias_labels(&dict, e));
            }
            canonical::omit_empty(&mut dict);
            merge::enforce_unicity(&mut dict, &Path::root())?;
        }
        Ok(dict)
    }

    fn apply_extends(
        &mut self,
        document: &mut Node,
        file: &FsPath,
        stages: &Stages,
        environment: &Environment,
        resets: &Resets,
    ) -> Result<(), Diagnostic> {
        let Some(services_node) = document.get_mut("services") else {
            return Ok(());
        };
        let span = services_node.span;
        let Some(services) = services_node.as_map_mut() else {
            return Err(
                Diagnostic::error(Code::NotAMapping, "`services` must be a mapping")
                    .with_label(Some(span), "not a mapping"),
            );
        };
        let names: Vec<String> = services
            .iter()
            .filter(|(_, entry)| {
                // A mapping without `extends` is its own result; the rest (including values
                // that are not mappings, which are errors) go through the full rule.
                entry
                    .node
                    .as_map()
                    .is_none_or(|service| service.contains_key("extends"))
            })
            .map(|(name, _)| name.clone())
            .collect();
        for name in names {
            let merged = self.apply_service_extends(
                &name,
                services,
                file,
                stages,
                environment,
                &ExtendsChain::default(),
                std::slice::from_ref(resets),
            )?;
            if let (Some(merged), Some(entry)) = (merged, services.get_mut(&name)) {
                entry.node = merged;
            }
        }
        Ok(())
    }

    // Kept as one function so it reads side by side with compose-go's `applyServiceExtends`.
    #[allow(clippy::too_many_arguments, clippy::too_many_lines)]
    fn apply_service_extends(
        &mut self,
        name: &str,
        services: &mut Map,
        file: &FsPath,
        stages: &Stages,
        environment: &Environment,
        chain: &ExtendsChain,
        post: &[Resets],
    ) -> Result<Option<Node>, Diagnostic> {
        let Some(entry) = services.get(name) else {
            return Ok(None);
        };
        let service = entry.node.clone();
        if service.is_null() {
            return Ok(None);
        }
        if service.as_map().is_none() {
            return Err(Diagnostic::error(
                Code::NotAMapping,
                format!("service `{name}` must be a mapping"),
            )
            .with_label(
                Some(service.span),
                format!("this is {}", service.kind_name()),
            ));
        }
        let Some(extends) = service.get("extends") else {
            return Ok(Some(service));
        };
        let extends_span = extends.span;
        let (reference, reference_span, base_file) = match &extends.value {
            Value::Str(s) => (s.clone(), extends.span, None),
            Value::Map(m) => {
                let Some(svc) = m
                    .get("service")
                    .and_then(|e| e.node.as_str().map(|s| (s.to_owned(), e.node.span)))
                else {
                    return Err(Diagnostic::error(
                        Code::ExtendsUnknownService,
                        format!("`services.{name}.extends.service` is required"),
                    )
                    .with_label(Some(extends.span), "no `service` here")
                    .with_help("name the service to extend: `extends: {service: base}`"));
                };
                let base_file = m
                    .get("file")
                    .and_then(|e| e.node.as_str().map(|f| (f.to_owned(), e.node.span)));
                (svc.0, svc.1, base_file)
            }
            _ => return Ok(Some(service)),
        };

        let mut other_services: Option<(Map, Resets)> = None;
        let mut filename = file.to_path_buf();
        if let Some((base_path, base_span)) = &base_file {
            let absolute = paths::clean_path(&stages.resource_dir.join(base_path));
            let (services_of_file, resets) = self.extends_base_from_file(
                name,
                &reference,
                reference_span,
                &absolute,
                *base_span,
                environment,
            )?;
            other_services = Some((services_of_file, resets));
            filename = absolute;
        } else if !services.contains_key(&reference) {
            return Err(unknown_extends(name, &reference, reference_span, services));
        }

        // The chain holds the services whose `extends` are being followed, each with the file it
        // is in: `api` of one file may extend `api` of another, which extends `api-base`.
        if chain.0.iter().any(|(f, s, _)| f == file && s == name) {
            let mut report = Diagnostic::error(
                Code::Cycle,
                format!("`extends` forms a cycle through service `{name}`"),
            )
            .with_label(Some(extends_span), "this `extends` closes the cycle");
            for (_, service, span) in &chain.0 {
                if *span != Some(extends_span) {
                    report = report.with_label(*span, format!("`{service}` extends"));
                }
            }
            return Err(
                report.with_help("a service cannot extend itself, directly or through others")
            );
        }
        if chain.0.len() >= MAX_EXTENDS_DEPTH {
            return Err(Diagnostic::error(
                Code::YamlLimit,
                format!("`extends` chains deeper than {MAX_EXTENDS_DEPTH} services are not read"),
            )
            .with_label(Some(extends_span), "this `extends` goes past the limit")
            .with_help("flatten the chain: let services extend a common base directly"));
        }
        let mut next_chain = chain.clone();
        next_chain
            .0
            .push((file.to_path_buf(), name.to_owned(), Some(extends_span)));

        let base = match &mut other_services {
            Some((map, resets)) => {
                let resets = std::slice::from_ref(&*resets).to_vec();
                self.apply_service_extends(
                    &reference,
                    map,
                    &filename,
                    stages,
                    environment,
                    &next_chain,
                    &resets,
                )?
            }
            None => self.apply_service_extends(
                &reference,
                services,
                &filename,
                stages,
                environment,
                &next_chain,
                &[],
            )?,
        };
        let Some(base) = base else {
            return Ok(Some(service));
        };
        let mut source = base;
        for resets in post {
            let mut wrapper = wrap_service(name, source);
            resets.apply(&mut wrapper);
            source = unwrap_service(name, wrapper);
        }
        let mut merged = merge::merge(source, service, &Path::root().next("services").next("x"))?;
        if let Some(map) = merged.as_map_mut() {
            map.shift_remove("extends");
        }
        if let Some(entry) = services.get_mut(name) {
            entry.node = merged.clone();
        }
        Ok(Some(merged))
    }

    #[allow(clippy::too_many_arguments)]
    fn extends_base_from_file(
        &mut self,
        name: &str,
        reference: &str,
        reference_span: Span,
        path: &FsPath,
        file_span: Span,
        environment: &Environment,
    ) -> Result<(Map, Resets), Diagnostic> {
        let (id, documents) = self.read(path, false, Some(file_span))?;
        let text = self.sources.get(id).text.clone();
        let base_dir = path.parent().map_or_else(PathBuf::new, FsPath::to_path_buf);
        let mut dict = Node::new(Value::Map(Box::default()), file_span);
        let mut all_resets = Resets::default();
        for (index, mut document) in documents.into_iter().enumerate() {
            if document.is_null() {
                continue;
            }
            if document.as_map().is_none() {
                // The label stays on the `extends` that names the file.
                return Err(self
                    .not_a_mapping(path, &document)
                    .with_label(Some(file_span), "this file is not a compose file")
                    .with_help("`extends.file` names a compose file with a `services:` section"));
            }
            self.interpolate(&mut document, environment)?;
            let resets = Resets::take_from(&text, &mut document);
            self.lint(id, index, &document);
            resets.apply(&mut dict);
            dict = merge::merge(dict, document, &Path::root())?;
            merge::enforce_unicity(&mut dict, &Path::root())?;
            canonical::canonical(&mut dict)?;
            canonical::omit_empty(&mut dict);
            merge::enforce_unicity(&mut dict, &Path::root())?;
            all_resets.0.extend(resets.0);
        }
        let Some(services) = dict.get("services").and_then(Node::as_map) else {
            return Err(Diagnostic::error(
                Code::ExtendsUnknownService,
                format!(
                    "cannot extend service `{name}`: `{}` has no `services` section",
                    self.display(path)
                ),
            )
            .with_label(Some(file_span), "this file"));
        };
        if !services.contains_key(reference) {
            return Err(unknown_extends(name, reference, reference_span, services));
        }
        paths::resolve_relative_paths(&mut dict, &base_dir)?;
        let services = dict
            .get("services")
            .and_then(Node::as_map)
            .cloned()
            .unwrap_or_default();
        Ok((services, all_resets))
    }

    /// compose-go's `ApplyInclude`: each included project is loaded on its own (with its own
    /// project directory and env file) and its resources are added; a different definition under
    /// the same name is an error.
    fn apply_include(
        &mut self,
        document: &mut Node,
        working_dir: &FsPath,
        environment: &Environment,
        stages: &Stages,
        included: &[PathBuf],
    ) -> Result<(), Diagnostic> {
        let Some(map) = document.as_map_mut() else {
            return Ok(());
        };
        let Some((_, _, include)) = map.shift_remove_full("include") else {
            return Ok(());
        };
        let items = match include.node.value {
            Value::Seq(items) => items,
            Value::Null => return Ok(()),
            _ => {
                return Err(
                    Diagnostic::error(Code::NotAMapping, "`include` must be a list")
                        .with_label(Some(include.node.span), "not a list"),
                );
            }
        };
        for item in items {
            let config = IncludeConfig::from_node(&item)?;
            let mut files: Vec<(PathBuf, bool)> = Vec::new();
            let mut project_directory = PathBuf::new();
            for (i, (p, span)) in config.paths.iter().enumerate() {
                let absolute = paths::clean_path(&stages.resource_dir.join(p));
                if i == 0 && included.len() >= MAX_INCLUDE_DEPTH {
                    return Err(Diagnostic::error(
                        Code::YamlLimit,
                        format!("`include` nests deeper than {MAX_INCLUDE_DEPTH} files"),
                    )
                    .with_label(Some(*span), "this include goes past the limit")
                    .with_help("include the files from fewer levels"));
                }
                if i == 0 {
                    project_directory = match &config.project_directory {
                        None => absolute
                            .parent()
                            .map(FsPath::to_path_buf)
                            .unwrap_or_default(),
                        Some(dir) => paths::clean_path(&working_dir.join(dir)),
                    };
                    if included.contains(&absolute) {
                        let chain: Vec<String> = included
                            .iter()
                            .map(|f| format!("`{}`", self.display(f)))
                            .collect();
                        return Err(Diagnostic::error(
                            Code::Cycle,
                            format!(
                                "include cycle: {} includes `{}` again",
                                chain.join(" includes "),
                                self.display(&absolute)
                            ),
                        )
                        .with_label(Some(*span), "this include closes the cycle")
                        .with_help("remove one `include` from the chain"));
                    }
                }
                if !absolute.is_file() {
                    return Err(Diagnostic::error(
                        Code::MissingFile,
                        format!("included file `{}` does not exist", self.display(&absolute)),
                    )
                    .with_label(Some(*span), "included here")
                    .with_help("include paths are relative to the including project's directory"));
                }
                files.push((absolute, false));
            }
            let env_files = self.include_env_files(&config, &project_directory, working_dir)?;
            let from_files = project::read_env_files(environment, &env_files)
                .map_err(|e| setup_error_diagnostic(e, item.span))?;
            let mut include_environment = environment.clone();
            from_files.add_to(&mut include_environment, &mut self.env_templates);
            let include_stages = Stages {
                resolve_paths: true,
                resource_dir: project_directory.clone(),
                ..stages.clone()
            };
            let imported = self.load_model(
                &files,
                &project_directory,
                &include_environment,
                &include_stages,
                included,
            )?;
            import_resources(imported, document, item.span)?;
        }
        Ok(())
    }
}

/// Refuses a document (or a merged project) with more than [`MAX_SERVICES`] services before any
/// work is spent on them.
pub(super) fn check_service_count(document: &Node) -> Result<(), Diagnostic> {
    let Some(services) = document.get("services") else {
        return Ok(());
    };
    let count = services.as_map().map_or(0, Map::len);
    if count > MAX_SERVICES {
        return Err(Diagnostic::error(
            Code::YamlLimit,
            format!(
                "the project defines {count} services, more than the {MAX_SERVICES} stackc compiles"
            ),
        )
        .with_label(Some(services.span), "these services")
        .with_help("split the stack into several projects"));
    }
    Ok(())
}

impl Loader<'_> {
    /// The env files of an included project: the listed ones (relative to the including
    /// project's directory, and required), else the included project's own `.env` if any.
    fn include_env_files(
        &self,
        config: &IncludeConfig,
        project_directory: &FsPath,
        working_dir: &FsPath,
    ) -> Result<Vec<PathBuf>, Diagnostic> {
        if config.env_files.is_empty() {
            let default = project_directory.join(".env");
            return Ok(if default.is_file() {
                vec![default]
            } else {
                Vec::new()
            });
        }
        let mut list = Vec::new();
        for (f, span) in &config.env_files {
            let absolute = paths::clean_path(&working_dir.join(f));
            if !absolute.is_file() {
                return Err(Diagnostic::error(
                    Code::MissingFile,
                    format!("env file `{}` does not exist", self.display(&absolute)),
                )
                .with_label(Some(*span), "named here"));
            }
            list.push(absolute);
        }
        Ok(list)
    }
}

/// One `include` entry in long form.
struct IncludeConfig {
    paths: Vec<(String, Span)>,
    project_directory: Option<String>,
    env_files: Vec<(String, Span)>,
}

impl IncludeConfig {
    fn from_node(node: &Node) -> Result<Self, Diagnostic> {
        let strings = |n: &Node| -> Vec<(String, Span)> {
            match &n.value {
                Value::Str(s) => vec![(s.clone(), n.span)],
                Value::Seq(items) => items
                    .iter()
                    .filter_map(|i| i.as_str().map(|s| (s.to_owned(), i.span)))
                    .collect(),
                _ => Vec::new(),
            }
        };
        match &node.value {
            Value::Str(s) => Ok(Self {
                paths: vec![(s.clone(), node.span)],
                project_directory: None,
                env_files: Vec::new(),
            }),
            Value::Map(_) => {
                let paths = node.get("path").map(strings).unwrap_or_default();
                if paths.is_empty() {
                    return Err(Diagnostic::error(
                        Code::MissingFile,
                        "an `include` entry needs a `path`",
                    )
                    .with_label(Some(node.span), "no `path` here"));
                }
                Ok(Self {
                    paths,
                    project_directory: node
                        .get("project_directory")
                        .and_then(Node::as_str)
                        .map(str::to_owned),
                    env_files: node.get("env_file").map(strings).unwrap_or_default(),
                })
            }
            _ => Err(Diagnostic::error(
                Code::NotAMapping,
                "an `include` entry must be a path or a mapping",
            )
            .with_label(Some(node.span), "here")),
        }
    }
}

fn import_resources(imported: Node, target: &mut Node, span: Span) -> Result<(), Diagnostic> {
    let Value::Map(mut imported) = imported.value else {
        return Ok(());
    };
    let Some(target_map) = target.as_map_mut() else {
        return Ok(());
    };
    for key in [
        "services", "volumes", "networks", "secrets", "configs", "models",
    ] {
        let Some((_, _, from)) = imported.shift_remove_full(key) else {
            continue;
        };
        let Value::Map(from) = from.node.value else {
            continue;
        };
        let entry = target_map.entry(key.to_owned()).or_insert_with(|| Entry {
            key_span: span,
            node: Node::new(Value::Map(Box::default()), span),
        });
        if entry.node.is_null() {
            entry.node = Node::new(Value::Map(Box::default()), span);
        }
        let Some(to) = entry.node.as_map_mut() else {
            continue;
        };
        for (name, resource) in *from {
            if let Some(existing) = to.get(&name) {
                if existing.node.to_json() == resource.node.to_json() {
                    continue;
                }
                return Err(Diagnostic::error(
                    Code::IncludeConflict,
                    format!("`{key}.{name}` conflicts with an imported resource"),
                )
                .with_label(Some(existing.key_span), "defined here")
                .with_label(Some(span), "and imported by this include")
                .with_help("rename one of the two definitions"));
            }
            to.insert(name, resource);
        }
    }
    Ok(())
}

fn wrap_service(name: &str, service: Node) -> Node {
    let span = service.span;
    let mut services = Map::default();
    services.insert(
        name.to_owned(),
        Entry {
            key_span: span,
            node: service,
        },
    );
    let mut root = Map::default();
    root.insert(
        "services".to_owned(),
        Entry {
            key_span: span,
            node: Node::new(Value::Map(Box::new(services)), span),
        },
    );
    Node::new(Value::Map(Box::new(root)), span)
}

fn unwrap_service(name: &str, mut wrapper: Node) -> Node {
    let span = wrapper.span;
    wrapper
        .get_mut("services")
        .and_then(Node::as_map_mut)
        .and_then(|m| m.shift_remove(name))
        .map_or_else(|| Node::new(Value::Map(Box::default()), span), |e| e.node)
}

fn unknown_extends(name: &str, reference: &str, span: Span, services: &Map) -> Diagnostic {
    let mut d = Diagnostic::error(
        Code::ExtendsUnknownService,
        format!("service `{name}` extends unknown service `{reference}`"),
    )
    .with_label(Some(span), "not defined");
    if let Some(close) = super::closest(reference, services.keys().map(String::as_str)) {
        d = d.with_help(format!("did you mean `{close}`?"));
    }
    d
}

pub(super) fn setup_error_diagnostic(error: project::SetupError, span: Span) -> Diagnostic {
    match error {
        project::SetupError::Io(e) => Diagnostic::error(Code::MissingFile, e.to_string())
            .with_label(Some(span), "needed here"),
        project::SetupError::EnvFile { path, error, .. } => Diagnostic::error(
            Code::InvalidEnvFile,
            format!("cannot parse env file `{}`: {error}", path.display()),
        )
        .with_label(Some(span), "read for this"),
    }
}

/// Why a compose file could not be read as text.
enum ReadError {
    Io(String),
    /// The file is larger than [`yaml::MAX_FILE_BYTES`]; at least this many bytes.
    TooLarge(u64),
    /// The byte offset of the first byte that is not UTF-8.
    NotUtf8(usize),
}

/// Reads a compose file, refusing one over the size limit before reading it: the length is
/// checked first, and the read stops one byte past the limit in case the file grows meanwhile
/// or reports no length (a pipe).
fn read_text(path: &FsPath) -> Result<String, ReadError> {
    use std::io::Read as _;

    let io = |e: std::io::Error| {
        ReadError::Io(match e.kind() {
            std::io::ErrorKind::NotFound => "no such file".to_owned(),
            _ => e.to_string().to_lowercase(),
        })
    };
    let limit = yaml::MAX_FILE_BYTES as u64;
    let file = std::fs::File::open(path).map_err(io)?;
    let length = file.metadata().map_err(io)?.len();
    if length > limit {
        return Err(ReadError::TooLarge(length));
    }
    // Sized from the metadata: grown from empty, a megabyte file is copied about ten times over.
    let mut bytes = Vec::with_capacity(length as usize + 1);
    file.take(limit + 1).read_to_end(&mut bytes).map_err(io)?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooLarge(bytes.len() as u64));
    }
    String::from_utf8(bytes).map_err(|e| ReadError::NotUtf8(e.utf8_error().valid_up_to()))
}

/// When the value a diagnostic points at was copied by an alias or a `<<` merge key, adds a label
/// at the alias, so the report shows both where the value was written and where it was used.
fn with_alias_labels(root: &Node, mut diagnostic: Diagnostic) -> Diagnostic {
    let Some(primary) = diagnostic.primary_span() else {
        return diagnostic;
    };
    if let Some(alias) = find_alias(root, primary) {
        if !diagnostic.labels.iter().any(|l| l.span == alias) {
            diagnostic = diagnostic.with_label(Some(alias), "used here through an alias");
        }
    }
    diagnostic
}

fn find_alias(node: &Node, span: Span) -> Option<Span> {
    if node.span == span {
        if let Some(alias) = node.via_alias() {
            return Some(alias);
        }
    }
    match &node.value {
        Value::Map(map) => map.values().find_map(|e| {
            if e.key_span == span {
                e.node.via_alias()
            } else {
                find_alias(&e.node, span)
            }
        }),
        Value::Seq(items) => items.iter().find_map(|i| find_alias(i, span)),
        _ => None,
    }
}

/// The span of the node at a JSON pointer, or of its key when `key` is true; the nearest
/// ancestor's span when the pointer goes past the tree.
pub(super) fn span_of(root: &Node, pointer: &str, key: bool) -> Option<Span> {
    let mut node = root;
    let mut best = Some(root.span);
    let mut key_span = None;
    for raw in pointer.split('/').skip(1) {
        let part = raw.replace("~1", "/").replace("~0", "~");
        match &node.value {
            Value::Map(map) => {
                let Some(entry) = map.get(&part) else { break };
                key_span = Some(entry.key_span);
                node = &entry.node;
            }
            Value::Seq(items) => {
                let Some(item) = part.parse::<usize>().ok().and_then(|i| items.get(i)) else {
                    break;
                };
                key_span = Some(item.span);
                node = item;
            }
            _ => break,
        }
        best = Some(node.span);
    }
    if key { key_span.or(best) } else { best }
}
