//! Loading a policy directory into a regorus engine and evaluating its `deny` and `warn`
//! rules against an input document.
//!
//! Layout, as OPA loads it: every `*.rego` file under the given paths is a module; every
//! `*.json`, `*.yaml` and `*.yml` file is data, placed at the path of its directory
//! relative to the argument it was found under (`dir/registries/data.json` becomes
//! `data.registries`). Hidden files and directories are skipped. Policies are Rego v1 (the
//! default of OPA 1.0; `import rego.v1` is accepted).
//!
//! Any package may define the rules Bulwark evaluates:
//! - `deny` (alias `violation`): a set of messages (strings) or objects with `msg` and
//!   optionally `id`, `title`, `severity`, `remediation`; a boolean `deny` that is true
//!   counts as one result. Severity defaults to MEDIUM.
//! - `warn`: the same, severity defaulting to LOW.
//! - `metadata` (or Trivy's `__rego_metadata__`): an object with `id`, `title`,
//!   `severity`, `remediation` (or `recommended_actions`) giving every result of the
//!   package its defaults. Without an `id`, results take the package path
//!   (`bulwark.custom.latest`).

use std::collections::BTreeMap;
use std::fs;
use std::num::NonZeroU32;
use std::path::{Path, PathBuf};
use std::time::Duration;

use bulwark_checks::{Finding, Position, Severity};
use regorus::{Engine, Value};

use crate::error::PolicyError;

/// Bounds on what a policy directory may cost.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest `.rego` or data file read (default 1 MiB).
    pub max_file_bytes: u64,
    /// Most policy and data files under all paths together (default 10,000).
    pub max_files: usize,
    /// Wall-clock limit for one rule evaluation (default 30 s): a policy that loops over a
    /// huge cross product must not hang a CI job.
    pub eval_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_bytes: 1 << 20,
            max_files: 10_000,
            eval_timeout: Duration::from_secs(30),
        }
    }
}

/// One loaded `.rego` module.
#[derive(Debug, Clone)]
pub(crate) struct Module {
    /// The file, as found.
    pub path: PathBuf,
    /// Its package as a rule path, `data.bulwark.custom`.
    pub package: String,
}

/// The policies and data of one or more directories, parsed and ready to evaluate.
#[derive(Debug, Clone)]
pub struct PolicySet {
    pub(crate) engine: Engine,
    pub(crate) modules: Vec<Module>,
    limits: Limits,
}

/// Whether a result came from `deny` or `warn`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Deny,
    Warn,
}

/// One result of a `deny` or `warn` rule, with its package's metadata filled in.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyResult {
    /// The check id: the result's `id`, else the package's metadata `id`, else the
    /// package path without `data.`.
    pub id: String,
    pub level: Level,
    pub severity: Severity,
    pub title: String,
    pub message: String,
    pub remediation: String,
    /// The package path, `data.bulwark.custom`.
    pub package: String,
}

impl PolicyResult {
    /// The result as a misconfiguration finding, so that reports, `--severity`,
    /// `--exit-code`, exceptions and re-grading treat built-in checks and policies alike.
    pub fn into_finding(self) -> Finding {
        Finding {
            check_id: self.id,
            cis: None,
            severity: self.severity,
            default_severity: self.severity,
            title: self.title,
            message: self.message,
            remediation: self.remediation,
            position: Position::default(),
            subject: Some(format!(
                "policy {}",
                self.package.strip_prefix("data.").unwrap_or(&self.package)
            )),
            suggested_capabilities: None,
            suppressed: None,
        }
    }
}

impl PolicySet {
    /// Loads every `.rego` and data file under `paths` (files or directories).
    pub fn load(paths: &[PathBuf], limits: &Limits) -> Result<Self, PolicyError> {
        let mut engine = Engine::new();
        engine.set_execution_timer_config(regorus::utils::limits::ExecutionTimerConfig {
            limit: limits.eval_timeout,
            check_interval: NonZeroU32::MIN,
        });
        let mut files = Vec::new();
        for root in paths {
            collect(root, root, limits, &mut files)?;
        }
        let mut modules = Vec::new();
        let mut data = serde_json::Value::Object(serde_json::Map::new());
        for (root, file) in &files {
            let text = read_bounded(file, limits.max_file_bytes)?;
            match extension(file) {
                Some("rego") => {
                    let package = engine
                        .add_policy(file.display().to_string(), text)
                        .map_err(|e| PolicyError::Parse {
                            path: file.clone(),
                            message: first_line(&e.to_string()),
                        })?;
                    modules.push(Module {
                        path: file.clone(),
                        package,
                    });
                }
                Some(ext) => {
                    let value = parse_data(&text, ext).map_err(|message| PolicyError::Data {
                        path: file.clone(),
                        message,
                    })?;
                    let prefix = data_prefix(root, file);
                    merge_at(&mut data, &prefix, value).map_err(|message| PolicyError::Data {
                        path: file.clone(),
                        message,
                    })?;
                }
                None => {}
            }
        }
        if modules.is_empty() {
            let shown = paths.first().cloned().unwrap_or_default();
            return Err(PolicyError::NoPolicies(shown));
        }
        engine
            .add_data(Value::from(data))
            .map_err(|e| PolicyError::Data {
                path: paths.first().cloned().unwrap_or_default(),
                message: e.to_string(),
            })?;
        Ok(PolicySet {
            engine,
            modules,
            limits: limits.clone(),
        })
    }

    /// How many `.rego` modules were loaded.
    pub fn module_count(&self) -> usize {
        self.modules.len()
    }

    /// The limits the set was loaded with.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Evaluates every package's `deny`, `violation` and `warn` rules against `input`.
    /// Results are sorted by package, then id, then message.
    pub fn evaluate(&self, input: &serde_json::Value) -> Result<Vec<PolicyResult>, PolicyError> {
        let mut engine = self.engine.clone();
        engine.set_input(Value::from(input.clone()));
        let mut results = Vec::new();
        for (package, files) in self.packages() {
            let declares = |rule: &str| {
                files.iter().any(|f| {
                    engine
                        .has_declared_rule_rooted_at(&f.display().to_string(), rule)
                        .unwrap_or(false)
                })
            };
            let rules: Vec<(&str, Level)> = [
                ("deny", Level::Deny),
                ("violation", Level::Deny),
                ("warn", Level::Warn),
            ]
            .into_iter()
            .filter(|(rule, _)| declares(rule))
            .collect();
            if rules.is_empty() {
                continue;
            }
            let meta = ["metadata", "__rego_metadata__"]
                .into_iter()
                .find(|r| declares(r))
                .map(|r| eval(&mut engine, &format!("{package}.{r}")))
                .transpose()?
                .map(|v| Meta::from_value(&v, &format!("{package}.metadata")))
                .transpose()?
                .unwrap_or_default();
            for (rule, level) in rules {
                let path = format!("{package}.{rule}");
                let value = eval(&mut engine, &path)?;
                for item in result_items(&value) {
                    results.push(to_result(&item, level, &meta, &package, &path)?);
                }
            }
        }
        results
            .sort_by(|a, b| (&a.package, &a.id, &a.message).cmp(&(&b.package, &b.id, &b.message)));
        results.dedup();
        Ok(results)
    }

    /// Each package path with the files that declare it.
    pub(crate) fn packages(&self) -> BTreeMap<String, Vec<PathBuf>> {
        let mut out: BTreeMap<String, Vec<PathBuf>> = BTreeMap::new();
        for m in &self.modules {
            out.entry(m.package.clone())
                .or_default()
                .push(m.path.clone());
        }
        out
    }
}

/// Evaluates one rule path; undefined is [`Value::Undefined`].
pub(crate) fn eval(engine: &mut Engine, path: &str) -> Result<Value, PolicyError> {
    engine
        .eval_rule(path.to_string())
        .map_err(|e| PolicyError::Eval {
            rule: path.to_string(),
            message: first_line(&e.to_string()),
        })
}

/// Package-level defaults from `metadata` / `__rego_metadata__`.
#[derive(Debug, Default)]
struct Meta {
    id: Option<String>,
    title: Option<String>,
    severity: Option<Severity>,
    remediation: Option<String>,
}

impl Meta {
    fn from_value(value: &Value, rule: &str) -> Result<Meta, PolicyError> {
        let json = to_json(value);
        match &json {
            serde_json::Value::Null => Ok(Meta::default()),
            serde_json::Value::Object(map) => Ok(Meta {
                id: string_field(map, "id", rule)?,
                title: string_field(map, "title", rule)?,
                severity: severity_field(map, rule)?,
                remediation: match string_field(map, "remediation", rule)? {
                    Some(r) => Some(r),
                    None => string_field(map, "recommended_actions", rule)?,
                },
            }),
            other => Err(PolicyError::Result {
                rule: rule.to_string(),
                message: format!("metadata must be an object, not {}", json_kind(other)),
            }),
        }
    }
}

/// The elements of a `deny`/`warn` value: each element of a set or array, one `true`
/// for a true boolean, nothing for undefined, false or empty.
fn result_items(value: &Value) -> Vec<serde_json::Value> {
    match value {
        Value::Undefined | Value::Null | Value::Bool(false) => Vec::new(),
        Value::Bool(true) => vec![serde_json::Value::Bool(true)],
        Value::Set(_) | Value::Array(_) => match to_json(value) {
            serde_json::Value::Array(items) => items,
            other => vec![other],
        },
        other => vec![to_json(other)],
    }
}

fn to_result(
    item: &serde_json::Value,
    level: Level,
    meta: &Meta,
    package: &str,
    rule: &str,
) -> Result<PolicyResult, PolicyError> {
    let default_id = package.strip_prefix("data.").unwrap_or(package).to_string();
    let default_severity = match level {
        Level::Deny => Severity::Medium,
        Level::Warn => Severity::Low,
    };
    let default_title = meta
        .title
        .clone()
        .unwrap_or_else(|| format!("Policy {default_id}"));
    let (message, id, title, severity, remediation) = match item {
        serde_json::Value::String(msg) => (msg.clone(), None, None, None, None),
        serde_json::Value::Bool(true) => (default_title.clone(), None, None, None, None),
        serde_json::Value::Object(map) => {
            let msg = string_field(map, "msg", rule)?
                .or(string_field(map, "message", rule)?)
                .ok_or_else(|| PolicyError::Result {
                    rule: rule.to_string(),
                    message: "a result object needs a string `msg`".to_string(),
                })?;
            (
                msg,
                string_field(map, "id", rule)?,
                string_field(map, "title", rule)?,
                severity_field(map, rule)?,
                string_field(map, "remediation", rule)?,
            )
        }
        other => {
            return Err(PolicyError::Result {
                rule: rule.to_string(),
                message: format!(
                    "each result must be a string or an object with `msg`, not {}",
                    json_kind(other)
                ),
            })
        }
    };
    Ok(PolicyResult {
        id: id.or_else(|| meta.id.clone()).unwrap_or(default_id),
        level,
        severity: severity.or(meta.severity).unwrap_or(default_severity),
        title: title.unwrap_or(default_title),
        message,
        remediation: remediation
            .or_else(|| meta.remediation.clone())
            .unwrap_or_default(),
        package: package.to_string(),
    })
}

fn string_field(
    map: &serde_json::Map<String, serde_json::Value>,
    key: &str,
    rule: &str,
) -> Result<Option<String>, PolicyError> {
    match map.get(key) {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(serde_json::Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(PolicyError::Result {
            rule: rule.to_string(),
            message: format!("`{key}` must be a string, not {}", json_kind(other)),
        }),
    }
}

fn severity_field(
    map: &serde_json::Map<String, serde_json::Value>,
    rule: &str,
) -> Result<Option<Severity>, PolicyError> {
    string_field(map, "severity", rule)?
        .map(|s| {
            s.parse::<Severity>().map_err(|_| PolicyError::Result {
                rule: rule.to_string(),
                message: format!("unknown severity {s:?}: use CRITICAL, HIGH, MEDIUM, LOW or INFO"),
            })
        })
        .transpose()
}

fn json_kind(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

/// A regorus value as JSON (sets become arrays). Undefined becomes null.
pub(crate) fn to_json(value: &Value) -> serde_json::Value {
    if *value == Value::Undefined {
        return serde_json::Value::Null;
    }
    serde_json::to_value(value).unwrap_or(serde_json::Value::Null)
}

fn extension(path: &Path) -> Option<&'static str> {
    match path.extension()?.to_str()? {
        "rego" => Some("rego"),
        "json" => Some("json"),
        "yaml" | "yml" => Some("yaml"),
        _ => None,
    }
}

/// Walks `dir` (or takes the file `dir`), collecting policy and data files, sorted, each
/// with the root it was found under.
fn collect(
    root: &Path,
    path: &Path,
    limits: &Limits,
    out: &mut Vec<(PathBuf, PathBuf)>,
) -> Result<(), PolicyError> {
    let io = |source| PolicyError::Io {
        path: path.to_path_buf(),
        source,
    };
    // symlink_metadata: a symlinked directory is not followed (no loops, no escapes);
    // a symlink to a file is read like the file.
    let meta = fs::symlink_metadata(path).map_err(io)?;
    if meta.is_dir() {
        let mut entries: Vec<PathBuf> = fs::read_dir(path)
            .map_err(io)?
            .map(|e| e.map(|e| e.path()))
            .collect::<Result<_, _>>()
            .map_err(io)?;
        entries.sort();
        for entry in entries {
            let hidden = entry
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with('.'));
            if !hidden {
                collect(root, &entry, limits, out)?;
            }
        }
    } else if extension(path).is_some() || path == root {
        if out.len() >= limits.max_files {
            return Err(PolicyError::TooManyFiles {
                path: root.to_path_buf(),
                limit: limits.max_files,
            });
        }
        out.push((root.to_path_buf(), path.to_path_buf()));
    }
    Ok(())
}

fn read_bounded(path: &Path, limit: u64) -> Result<String, PolicyError> {
    let io = |source| PolicyError::Io {
        path: path.to_path_buf(),
        source,
    };
    let size = fs::metadata(path).map_err(io)?.len();
    if size > limit {
        return Err(PolicyError::TooLarge {
            path: path.to_path_buf(),
            size,
            limit,
        });
    }
    let bytes = fs::read(path).map_err(io)?;
    String::from_utf8(bytes).map_err(|e| PolicyError::Parse {
        path: path.to_path_buf(),
        message: format!("not UTF-8: {e}"),
    })
}

fn parse_data(text: &str, ext: &str) -> Result<serde_json::Value, String> {
    if ext == "json" {
        serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))
    } else {
        serde_norway::from_str(text).map_err(|e| format!("not valid YAML: {e}"))
    }
}

/// The data path of a data file: its directory's components below `root`.
fn data_prefix(root: &Path, file: &Path) -> Vec<String> {
    let dir = file.parent().unwrap_or(Path::new(""));
    let base = if root.is_dir() { root } else { dir };
    dir.strip_prefix(base)
        .unwrap_or(Path::new(""))
        .components()
        .filter_map(|c| c.as_os_str().to_str().map(str::to_string))
        .collect()
}

/// Merges `value` into `data` at `prefix`; objects merge key by key, anything else must
/// not collide (OPA refuses conflicting data too).
fn merge_at(
    data: &mut serde_json::Value,
    prefix: &[String],
    value: serde_json::Value,
) -> Result<(), String> {
    let mut target = data;
    for key in prefix {
        let serde_json::Value::Object(map) = target else {
            return Err(format!("data path {} is not an object", prefix.join(".")));
        };
        target = map
            .entry(key.clone())
            .or_insert_with(|| serde_json::Value::Object(serde_json::Map::new()));
    }
    merge(target, value, &prefix.join("."))
}

fn merge(target: &mut serde_json::Value, value: serde_json::Value, at: &str) -> Result<(), String> {
    match (target, value) {
        (serde_json::Value::Object(into), serde_json::Value::Object(from)) => {
            for (k, v) in from {
                match into.get_mut(&k) {
                    Some(existing) => merge(existing, v, &format!("{at}.{k}"))?,
                    None => {
                        into.insert(k, v);
                    }
                }
            }
            Ok(())
        }
        (_, _) => Err(format!(
            "data at `{}` is defined twice",
            at.trim_start_matches('.')
        )),
    }
}

pub(crate) fn first_line(message: &str) -> String {
    // regorus errors quote the source over several lines after the position; keep them,
    // they show the user where, but drop trailing blank lines.
    message.trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(files: &[(&str, &str)]) -> (tempfile::TempDir, Result<PolicySet, PolicyError>) {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            let path = dir.path().join(name);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, text).unwrap();
        }
        let loaded = PolicySet::load(&[dir.path().to_path_buf()], &Limits::default());
        (dir, loaded)
    }

    #[test]
    fn deny_strings_objects_and_metadata() {
        let (_d, p) = set(&[(
            "root.rego",
            r#"package bulwark.root
metadata := {"id": "ORG-001", "title": "Images must not run as root", "severity": "HIGH"}
deny contains msg if {
  input.artifact.config.user == ""
  msg := "no USER: runs as root"
}
deny contains {"msg": "port 22 exposed", "id": "ORG-002", "severity": "CRITICAL"} if {
  "22/tcp" in input.artifact.config.exposed_ports
}
warn contains "no healthcheck" if not input.artifact.config.healthcheck
"#,
        )]);
        let p = p.unwrap();
        let input = serde_json::json!({"artifact": {"config": {"user": "", "exposed_ports": ["22/tcp"], "healthcheck": false}}});
        let r = p.evaluate(&input).unwrap();
        let got: Vec<(&str, Severity, &str, Level)> = r
            .iter()
            .map(|r| (r.id.as_str(), r.severity, r.message.as_str(), r.level))
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    "ORG-001",
                    Severity::High,
                    "no USER: runs as root",
                    Level::Deny
                ),
                ("ORG-001", Severity::High, "no healthcheck", Level::Warn),
                (
                    "ORG-002",
                    Severity::Critical,
                    "port 22 exposed",
                    Level::Deny
                ),
            ]
        );
        assert_eq!(r[0].title, "Images must not run as root");
        let ok = serde_json::json!({"artifact": {"config": {"user": "app", "exposed_ports": [], "healthcheck": true}}});
        assert!(p.evaluate(&ok).unwrap().is_empty());
    }

    #[test]
    fn defaults_without_metadata_and_boolean_deny() {
        let (_d, p) = set(&[(
            "a.rego",
            "package custom.latest\ndeny if endswith(input.artifact.name, \":latest\")\nwarn contains \"w\" if true\n",
        )]);
        let r = p
            .unwrap()
            .evaluate(&serde_json::json!({"artifact": {"name": "x:latest"}}))
            .unwrap();
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].id, "custom.latest");
        assert_eq!(r[0].severity, Severity::Medium);
        assert_eq!(r[0].message, "Policy custom.latest");
        assert_eq!(r[1].severity, Severity::Low);
        let f = r[0].clone().into_finding();
        assert_eq!(f.subject.as_deref(), Some("policy custom.latest"));
    }

    #[test]
    fn data_files_land_at_their_directory_path() {
        let (_d, p) = set(&[
            ("p.rego", "package reg\ndeny contains r if { some r in data.registries.allowed; r == input.r }\n"),
            ("registries/data.yaml", "allowed: [a.example, b.example]\n"),
        ]);
        let p = p.unwrap();
        assert_eq!(
            p.evaluate(&serde_json::json!({"r": "b.example"}))
                .unwrap()
                .len(),
            1
        );
        assert!(p
            .evaluate(&serde_json::json!({"r": "c.example"}))
            .unwrap()
            .is_empty());
    }

    #[test]
    fn bad_inputs_are_clear_errors() {
        let (_d, p) = set(&[("bad.rego", "package x\ndeny contains msg if {\n")]);
        let e = p.unwrap_err().to_string();
        assert!(e.contains("bad.rego"), "{e}");

        let (_d, p) = set(&[("x.json", "{}")]);
        assert!(matches!(p.unwrap_err(), PolicyError::NoPolicies(_)));

        let (_d, p) = set(&[("p.rego", "package x\ndeny contains 3 if true\n")]);
        let e = p.unwrap().evaluate(&serde_json::json!({})).unwrap_err();
        assert!(e.to_string().contains("string or an object"), "{e}");

        let (_d, p) = set(&[(
            "p.rego",
            "package x\ndeny contains {\"msg\": \"m\", \"severity\": \"SEVERE\"} if true\n",
        )]);
        let e = p.unwrap().evaluate(&serde_json::json!({})).unwrap_err();
        assert!(e.to_string().contains("unknown severity"), "{e}");

        let (_d, p) = set(&[
            ("p.rego", "package x\ndeny contains 1\n"),
            ("d/data.json", "{"),
        ]);
        assert!(p.unwrap_err().to_string().contains("not valid JSON"));

        let (_d, p) = set(&[
            ("p.rego", "package x\n"),
            ("a/data.json", "{\"k\": 1}"),
            ("a/more.json", "{\"k\": 2}"),
        ]);
        assert!(p.unwrap_err().to_string().contains("defined twice"));
    }

    #[test]
    fn oversized_files_are_refused_and_runaway_policies_time_out() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("big.rego"), "#".repeat(2048)).unwrap();
        let limits = Limits {
            max_file_bytes: 1024,
            ..Limits::default()
        };
        let e = PolicySet::load(&[dir.path().to_path_buf()], &limits).unwrap_err();
        assert!(matches!(e, PolicyError::TooLarge { .. }), "{e}");

        let dir = tempfile::tempdir().unwrap();
        fs::write(
            dir.path().join("slow.rego"),
            "package slow\ndeny contains x if { some a in numbers.range(1, 100000); some b in numbers.range(1, 100000); x := a * b; x < 0 }\n",
        )
        .unwrap();
        let limits = Limits {
            eval_timeout: Duration::from_millis(200),
            ..Limits::default()
        };
        let p = PolicySet::load(&[dir.path().to_path_buf()], &limits).unwrap();
        let start = std::time::Instant::now();
        let e = p.evaluate(&serde_json::json!({})).unwrap_err();
        assert!(matches!(e, PolicyError::Eval { .. }), "{e}");
        assert!(start.elapsed() < Duration::from_secs(20));
    }
}
