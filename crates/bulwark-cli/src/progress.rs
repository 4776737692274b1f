//! A progress bar on stderr over layers, shown only when stderr is a terminal.

use bulwark_inventory::Progress;
use indicatif::{ProgressBar, ProgressStyle};

/// Layer progress; silent when disabled.
pub struct Bar {
    bar: Option<ProgressBar>,
}

impl Bar {
    /// A bar, drawn only if `enabled`.
    pub fn new(enabled: bool) -> Self {
        let bar = enabled.then(|| {
            let b = ProgressBar::new(0);
            if let Ok(style) =
                ProgressStyle::with_template("{spinner} {msg} [{bar:30}] {pos}/{len} layers")
            {
                b.set_style(style.progress_chars("=> "));
            }
            b.set_message("scanning");
            b
        });
        Self { bar }
    }

    /// Clears the bar.
    pub fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

impl Progress for Bar {
    fn layer_started(&self, _index: usize, total: usize, _cached: bool) {
        if let Some(b) = &self.bar {
            b.set_length(total as u64);
        }
    }
    fn layer_done(&self, _index: usize, _total: usize) {
        if let Some(b) = &self.bar {
            b.inc(1);
        }
    }
}
