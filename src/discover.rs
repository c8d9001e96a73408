//! Discovery: which files are compose files, and which file defines each service of the table.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use walkdir::WalkDir;

use crate::limits::{ComposeConfig, Limits};

/// A file discovery could not list.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum DiscoverError {
    /// The root folder is missing or unreadable.
    #[error("cannot read the compose folder {path}: {source}")]
    #[diagnostic(help("`[compose] root` in limits.toml is relative to the folder of limits.toml"))]
    Root {
        /// The folder.
        path: PathBuf,
        /// Why.
        source: walkdir::Error,
    },
    /// A `files` entry is not a valid glob.
    #[error("`{pattern}` in `[compose] files` is not a valid pattern: {message}")]
    Pattern {
        /// The entry.
        pattern: String,
        /// What the glob parser said.
        message: String,
    },
    /// A `files` entry matches nothing.
    #[error("`{pattern}` in `[compose] files` matches no file")]
    #[diagnostic(help("paths in limits.toml are relative to the folder of limits.toml"))]
    NoMatch {
        /// The entry.
        pattern: String,
    },
}

/// Whether discovery walked a folder or was given a list: a listed file that is not a compose
/// file is an error, a file met on a walk is simply skipped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// Found by walking `root`.
    Walked,
    /// Named in `files`.
    Listed,
}

/// The candidate YAML files of the configuration, sorted, each once.
pub fn candidate_files(
    base: &Path,
    compose: &ComposeConfig,
) -> Result<(Vec<PathBuf>, Origin), Vec<DiscoverError>> {
    if !compose.files.is_empty() {
        return listed_files(base, &compose.files).map(|f| (f, Origin::Listed));
    }
    let root = match &compose.root {
        Some(root) => base.join(root),
        None => base.to_path_buf(),
    };
    walk(&root)
        .map(|f| (same_files_once(f), Origin::Walked))
        .map_err(|e| vec![e])
}

/// A file reached both directly and through a symlink is one compose file, not two that
/// define the same services.
fn same_files_once(files: Vec<PathBuf>) -> Vec<PathBuf> {
    let mut seen = std::collections::HashSet::new();
    files
        .into_iter()
        .filter(|path| seen.insert(std::fs::canonicalize(path).unwrap_or_else(|_| path.clone())))
        .collect()
}

fn is_yaml(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("yml" | "yaml")
    )
}

fn walk(root: &Path) -> Result<Vec<PathBuf>, DiscoverError> {
    let mut files = Vec::new();
    let walker = WalkDir::new(root)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|entry| {
            // Hidden folders (.git, .github, …) hold no stack files.
            entry.depth() == 0 || !entry.file_name().to_string_lossy().starts_with('.')
        });
    for entry in walker {
        let entry = entry.map_err(|source| DiscoverError::Root {
            path: root.to_path_buf(),
            source,
        })?;
        let path = entry.path();
        // A symlinked file counts when its target is a file; symlinked folders are not walked.
        let is_file = entry.file_type().is_file() || (entry.path_is_symlink() && path.is_file());
        if is_file && is_yaml(path) {
            files.push(path.to_path_buf());
        }
    }
    Ok(files)
}

fn listed_files(base: &Path, patterns: &[String]) -> Result<Vec<PathBuf>, Vec<DiscoverError>> {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for pattern in patterns {
        let full = base.join(pattern);
        let full = full.to_string_lossy();
        match glob::glob(&full) {
            Err(e) => errors.push(DiscoverError::Pattern {
                pattern: pattern.clone(),
                message: e.msg.to_string(),
            }),
            Ok(paths) => {
                let matched: Vec<PathBuf> = paths
                    .filter_map(Result::ok)
                    .filter(|p| p.is_file())
                    .collect();
                if matched.is_empty() {
                    errors.push(DiscoverError::NoMatch {
                        pattern: pattern.clone(),
                    });
                }
                files.extend(matched);
            }
        }
    }
    files.sort();
    if errors.is_empty() {
        Ok(same_files_once(files))
    } else {
        Err(errors)
    }
}

/// Which compose files define which service.
#[derive(Clone, Debug, Default)]
pub struct ServiceIndex {
    by_name: BTreeMap<String, Vec<usize>>,
}

impl ServiceIndex {
    /// Record that file number `file` defines `service`.
    pub fn add(&mut self, service: &str, file: usize) {
        self.by_name
            .entry(service.to_string())
            .or_default()
            .push(file);
    }

    /// The files defining `service`.
    pub fn files(&self, service: &str) -> &[usize] {
        self.by_name.get(service).map_or(&[], Vec::as_slice)
    }

    /// Every service name seen.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.by_name.keys().map(String::as_str)
    }

    /// The closest known name, for a "did you mean".
    pub fn suggest(&self, name: &str) -> Option<&str> {
        self.names()
            .map(|n| (strsim::damerau_levenshtein(name, n), n))
            .filter(|(d, n)| *d <= 2.max(name.len().min(n.len()) / 4))
            .min()
            .map(|(_, n)| n)
    }
}

/// Where a table service was found, or why it could not be placed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Placement {
    /// Defined by this file (index into the discovered files).
    File(usize),
    /// No file defines it.
    Unknown {
        /// A close name that does exist.
        suggestion: Option<String>,
    },
    /// Several files define it and the entry names none of them.
    Ambiguous(Vec<usize>),
    /// The entry's `file` does not define it.
    NotInNamedFile {
        /// The files that do.
        defined_in: Vec<usize>,
    },
}

/// Place every service of the table. `file_matches(i, entry_file)` tells whether discovered
/// file `i` is the one an entry's `file = …` names.
pub fn place(
    limits: &Limits,
    index: &ServiceIndex,
    file_matches: &dyn Fn(usize, &str) -> bool,
) -> BTreeMap<String, Placement> {
    limits
        .services
        .iter()
        .map(|entry| {
            let files = index.files(&entry.name);
            let placement = match (&entry.file, files) {
                (_, []) => Placement::Unknown {
                    suggestion: index.suggest(&entry.name).map(str::to_string),
                },
                (Some(named), files) => match files.iter().find(|&&i| file_matches(i, named)) {
                    Some(&i) => Placement::File(i),
                    None => Placement::NotInNamedFile {
                        defined_in: files.to_vec(),
                    },
                },
                (None, [one]) => Placement::File(*one),
                (None, many) => Placement::Ambiguous(many.to_vec()),
            };
            (entry.name.clone(), placement)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        let mut index = ServiceIndex::default();
        for name in ["traefik", "oauth2-proxy", "coolify-redis"] {
            index.add(name, 0);
        }
        assert_eq!(index.suggest("treafik"), Some("traefik"));
        assert_eq!(index.suggest("oauth-proxy"), Some("oauth2-proxy"));
        assert_eq!(index.suggest("grafana"), None);
    }

    #[test]
    fn walks_yaml_files_skipping_hidden_folders_and_following_file_links() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("a/.hidden")).unwrap();
        std::fs::write(root.join("a/x.yml"), "").unwrap();
        std::fs::write(root.join("a/y.yaml"), "").unwrap();
        std::fs::write(root.join("a/z.txt"), "").unwrap();
        std::fs::write(root.join("a/.hidden/h.yml"), "").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(root.join("a/x.yml"), root.join("link.yml")).unwrap();
        let files = walk(root).unwrap();
        let names: Vec<String> = files
            .iter()
            .map(|p| p.strip_prefix(root).unwrap().to_string_lossy().into_owned())
            .collect();
        #[cfg(unix)]
        assert_eq!(names, ["a/x.yml", "a/y.yaml", "link.yml"]);
        // The link and its target are one file.
        #[cfg(unix)]
        assert_eq!(same_files_once(files).len(), 2);
    }
}
