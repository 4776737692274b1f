// A build dependency: cargo auditable records it with "kind": "build".
fn main() {
    autocfg::new().emit_rustc_version(1, 60);
}
