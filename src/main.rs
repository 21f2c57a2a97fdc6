//! Native entry: parse the command line, set up tracing and the tokio runtime, then run the GUI or
//! a subcommand.

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    use std::process::ExitCode;

    let cli = skiff::cli::Cli::parse_ordered();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("SKIFF_LOG")
                // s3s logs every error answer (a 404 for a missing key too) as an error.
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,s3s::service=off")),
        )
        .with_writer(std::io::stderr)
        // Colours only for a person at a terminal who has not asked for none (no-color.org).
        .with_ansi(
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::IsTerminal::is_terminal(&std::io::stderr()),
        )
        .init();

    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("skiff-io")
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };

    let result = match cli.command {
        None => run_gui(&runtime),
        Some(command) => runtime.block_on(skiff::cli::run(command, cli.connection)),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", skiff::format::escape_lines(&format!("{e:#}")));
            ExitCode::FAILURE
        }
    }
}

#[cfg(not(target_arch = "wasm32"))]
/// Skiff's icon for the window and the task bar (`assets/skiff-128.png`, drawn from
/// `skiff.svg`). 128 pixels: X11 refuses a 256-pixel icon, whose property outgrows one request.
fn window_icon() -> egui::IconData {
    eframe::icon_data::from_png_bytes(include_bytes!("../assets/skiff-128.png"))
        .expect("assets/skiff-128.png is a PNG")
}

#[cfg(not(target_arch = "wasm32"))]
fn run_gui(runtime: &tokio::runtime::Runtime) -> anyhow::Result<()> {
    use skiff::app::{AppEnvironment, SkiffApp};
    use skiff::sandbox::{Sandbox, SandboxOptions, default_data_dir};

    // The UI thread keeps the runtime entered so that engine tasks can be spawned from it.
    let _entered = runtime.enter();
    let sandbox = runtime.block_on(Sandbox::start_or_attach(SandboxOptions::new(
        default_data_dir(),
    )));
    let (sandbox, sandbox_error) = match sandbox {
        Ok(s) => (Some(s), None),
        Err(e) => (None, Some(e.to_string())),
    };
    let environment = AppEnvironment {
        sandbox: sandbox.as_ref().map(|s| s.endpoint().clone()),
        sandbox_error,
        aws_profiles: skiff::app::platform::aws_profiles(),
        reports_dir: Some(skiff::cleanup::report::audit_dir()),
        open_at: None,
        file_dialogs: skiff::app::platform::file_dialog::detect(),
    };
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("Skiff")
            .with_app_id("skiff")
            .with_inner_size([1200.0, 760.0])
            .with_min_inner_size([640.0, 400.0])
            .with_icon(window_icon()),
        persist_window: true,
        ..Default::default()
    };
    eframe::run_native(
        "Skiff",
        options,
        Box::new(move |cc| Ok(Box::new(SkiffApp::new(cc, environment)))),
    )
    .map_err(|e| anyhow::anyhow!("the window could not open: {e}"))?;
    drop(sandbox);
    Ok(())
}

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    #[test]
    fn the_window_icon_is_a_128_pixel_square() {
        let icon = super::window_icon();
        assert_eq!((icon.width, icon.height), (128, 128));
        assert_eq!(icon.rgba.len(), 128 * 128 * 4);
    }
}
