//! Links two crates.io crates and one path dependency; autocfg only runs at build time.
fn main() {
    let mut buf = itoa::Buffer::new();
    println!("{} {} {}", buf.format(42), hex::encode([0xbe, 0xef]), helper::NAME);
}
