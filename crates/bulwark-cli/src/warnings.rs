//! Library warnings for the user. The crates report what they ignore or cannot do (a
//! malformed `auths` entry in the Docker config, an image for another platform, a cache
//! that could not be written) as `tracing` events at WARN level; this prints bulwark's own
//! such events on stderr the way the command prints its warnings, `warning: ...`, with no
//! timestamp or module path. Other crates' events stay silent.

use std::fmt;

use tracing::{Event, Level, Subscriber};
use tracing_subscriber::filter::filter_fn;
use tracing_subscriber::fmt::{format::Writer, FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::prelude::*;
use tracing_subscriber::registry::LookupSpan;

/// Prints bulwark's WARN and ERROR events on stderr from now on. Called once, first thing.
pub fn init() {
    let ours =
        filter_fn(|meta| meta.target().starts_with("bulwark") && *meta.level() <= Level::WARN);
    let printer = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .event_format(Plain)
        .with_filter(ours);
    // Fails only if a subscriber is already set, which the binary never does first.
    let _ = tracing_subscriber::registry().with(printer).try_init();
}

/// `warning: <message> <field>=<value>...`, one line per event.
struct Plain;

impl<S, N> FormatEvent<S, N> for Plain
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let label = if *event.metadata().level() == Level::ERROR {
            "error"
        } else {
            "warning"
        };
        write!(writer, "{label}: ")?;
        ctx.field_format().format_fields(writer.by_ref(), event)?;
        writeln!(writer)
    }
}
