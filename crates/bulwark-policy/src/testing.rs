//! Policy unit tests the OPA way (`opa test`): every rule whose name starts with `test_`
//! is a test; it passes when it is defined and not `false`. Rules named `todo_test_*` are
//! reported as skipped. Tests mock with `with input as {...}` and `with data.x as ...`,
//! which the engine implements.

use std::time::{Duration, Instant};

use regorus::unstable::{Rule, RuleHead};

use crate::engine::{eval, first_line, PolicySet};
use regorus::Value;

/// The outcome of one test rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Pass,
    /// Undefined or false.
    Fail,
    /// Evaluation failed (a runtime error, the time limit); the message says why.
    Error(String),
    /// A `todo_test_*` rule: not run.
    Skip,
}

/// One test's result.
#[derive(Debug, Clone)]
pub struct TestResult {
    /// The full rule path, `data.bulwark.root_test.test_root_denied`.
    pub rule: String,
    /// The file that declares it.
    pub file: String,
    pub outcome: Outcome,
    pub duration: Duration,
}

/// All results of a run, in package then rule order.
#[derive(Debug, Clone, Default)]
pub struct TestReport {
    pub results: Vec<TestResult>,
}

impl TestReport {
    /// Tests that passed.
    pub fn passed(&self) -> usize {
        self.count(|o| *o == Outcome::Pass)
    }

    /// Tests that failed or errored.
    pub fn failed(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Fail | Outcome::Error(_)))
    }

    /// Tests that were skipped (`todo_test_*`).
    pub fn skipped(&self) -> usize {
        self.count(|o| *o == Outcome::Skip)
    }

    fn count(&self, f: impl Fn(&Outcome) -> bool) -> usize {
        self.results.iter().filter(|r| f(&r.outcome)).count()
    }
}

/// A test rule found in a module.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct TestRule {
    package: String,
    name: String,
    file: String,
}

/// Runs every test whose full rule path contains `filter` (all when `None`).
pub fn run_tests(set: &PolicySet, filter: Option<&str>) -> TestReport {
    let mut engine = set.engine.clone();
    let mut tests = discover(set, &mut engine);
    tests.sort();
    tests.dedup_by(|a, b| a.package == b.package && a.name == b.name);
    let mut report = TestReport::default();
    for test in tests {
        let rule = format!("{}.{}", test.package, test.name);
        if filter.is_some_and(|f| !rule.contains(f)) {
            continue;
        }
        let start = Instant::now();
        let outcome = if test.name.starts_with("todo_") {
            Outcome::Skip
        } else {
            match eval(&mut engine, &rule) {
                Ok(Value::Undefined) | Ok(Value::Bool(false)) => Outcome::Fail,
                Ok(_) => Outcome::Pass,
                Err(e) => Outcome::Error(first_line(&e.to_string())),
            }
        };
        report.results.push(TestResult {
            rule,
            file: test.file,
            outcome,
            duration: start.elapsed(),
        });
    }
    report
}

/// The test rules of every module: rule heads (not functions, not defaults) named
/// `test_*` or `todo_test_*`.
///
/// regorus has no stable API listing rule names, so this reads its `unstable` AST; the
/// crate is pinned to an exact version in the workspace manifest for that reason.
fn discover(set: &PolicySet, engine: &mut regorus::Engine) -> Vec<TestRule> {
    let mut out = Vec::new();
    let modules = engine.get_modules().clone();
    for (module, info) in modules.iter().zip(&set.modules) {
        for rule in &module.policy {
            let Rule::Spec { head, .. } = rule.as_ref() else {
                continue;
            };
            let refr = match head {
                RuleHead::Compr { refr, .. } | RuleHead::Set { refr, .. } => refr,
                RuleHead::Func { .. } => continue,
            };
            let name = refr.span().text();
            let is_test = name.starts_with("test_") || name.starts_with("todo_test_");
            if is_test && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                out.push(TestRule {
                    package: info.package.clone(),
                    name: name.to_string(),
                    file: info.path.display().to_string(),
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Limits;
    use std::fs;

    #[test]
    fn passes_fails_errors_and_skips() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(
            dir.path().join("p.rego"),
            "package p\ndeny contains \"root\" if input.user == \"\"\n",
        )
        .unwrap();
        fs::write(
            dir.path().join("p_test.rego"),
            r#"package p_test
import data.p
test_root_denied if { "root" in p.deny with input as {"user": ""} }
test_app_allowed if { count(p.deny) == 0 with input as {"user": "app"} }
test_wrong if { count(p.deny) == 1 with input as {"user": "app"} }
test_error if { 1 / 0 == 1 }
todo_test_later if { false }
helper(x) := x
"#,
        )
        .unwrap();
        let set = PolicySet::load(&[dir.path().to_path_buf()], &Limits::default()).unwrap();
        let report = run_tests(&set, None);
        let got: Vec<(&str, &Outcome)> = report
            .results
            .iter()
            .map(|r| (r.rule.as_str(), &r.outcome))
            .collect();
        assert_eq!(got.len(), 5, "{got:?}");
        let outcome = |name: &str| {
            &report
                .results
                .iter()
                .find(|r| r.rule == format!("data.p_test.{name}"))
                .unwrap_or_else(|| panic!("{name} missing: {got:?}"))
                .outcome
        };
        assert_eq!(outcome("test_root_denied"), &Outcome::Pass);
        assert_eq!(outcome("test_app_allowed"), &Outcome::Pass);
        assert_eq!(outcome("test_wrong"), &Outcome::Fail);
        assert!(matches!(
            outcome("test_error"),
            Outcome::Error(_) | Outcome::Fail
        ));
        assert_eq!(outcome("todo_test_later"), &Outcome::Skip);
        assert_eq!(report.passed(), 2);
        assert_eq!(report.skipped(), 1);

        let only = run_tests(&set, Some("allowed"));
        assert_eq!(only.results.len(), 1);
    }
}
