//! The `hub` binary: parse the command line, load settings, run.

use std::process::ExitCode;

use clap::Parser;
use hub::cli::{self, Cli, Command};
use hub::settings::Settings;
use hub::startup::Application;
use hub_actors::ErrorChain;

/// jemalloc: the glibc allocator's malloc/free took about a sixth of the hub's CPU under load
/// (docs/benchmarks.md), and jemalloc returns freed memory to the system over time.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let settings = match Settings::load() {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("hub: {error}");
            return ExitCode::from(2);
        }
    };
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(settings),
        Command::Token { sub, roles, ttl } => cli::token(&settings, &sub, &roles, ttl).map(|t| println!("{t}")),
        Command::Healthcheck { addr } => cli::healthcheck(&settings, addr),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("hub: {error}");
            ExitCode::FAILURE
        }
    }
}

fn serve(settings: Settings) -> Result<(), String> {
    hub::telemetry::init(&settings.log);
    actix_web::rt::System::new().block_on(async move {
        let app = Application::build(settings).await.map_err(|e| ErrorChain(&e).to_string())?;
        let trigger = app.shutdown_trigger();
        actix_web::rt::spawn(async move {
            hub::shutdown::signalled().await;
            trigger.trigger();
        });
        app.run_until_stopped().await.map_err(|e| ErrorChain(&e).to_string())
    })
}
