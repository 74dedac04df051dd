//! The `briefing` command line. Parses arguments, runs a command, prints diagnostics, and maps
//! failures to exit codes; all the work happens in the library.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use briefing::build::{BuildOptions, Builder};
use briefing::diagnostics::{Diagnostic, Failure};
use briefing::{output, scaffold};

const EXIT_CODES: &str = "Exit codes: 0 success, 1 content or template errors, 2 usage errors, 3 I/O failures.";

#[derive(Parser)]
#[command(name = "briefing", version, about = "Build policy briefings: Markdown briefs with structured metadata, rendered to a fast, accessible static site.", after_help = EXIT_CODES)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum, PartialEq)]
enum Format {
    /// Compiler-style reports with the source line.
    Human,
    /// One JSON object per diagnostic per line, for editors and CI.
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Build the site into the output folder (atomically: a failed build keeps the old output).
    #[command(after_help = EXIT_CODES)]
    Build {
        /// The site root (holding briefing.toml).
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// Where to write the site [default: ROOT/output].
        #[arg(long)]
        output: Option<PathBuf>,
        /// Override base_url from briefing.toml.
        #[arg(long)]
        base_url: Option<String>,
        /// Include briefs and sections marked draft.
        #[arg(long)]
        drafts: bool,
        /// Replace an output folder briefing did not write.
        #[arg(long)]
        force: bool,
        /// How to print diagnostics.
        #[arg(long, value_enum, default_value = "human")]
        format: Format,
    },
    /// Create a new site in DIR that builds at once.
    #[command(after_help = EXIT_CODES)]
    Init {
        /// Folder to create the site in.
        dir: PathBuf,
    },
    /// Write a new brief content/SECTION/SLUG.md from the section's archetype.
    #[command(after_help = EXIT_CODES)]
    New {
        /// SECTION/SLUG, e.g. hedges/vietnam.
        path: String,
        /// The brief's title [default: from the slug].
        #[arg(long)]
        title: Option<String>,
        /// The site root.
        #[arg(long, default_value = ".")]
        root: PathBuf,
    },
}

fn print_diagnostics(diags: &[&Diagnostic], format: Format) {
    let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    for d in diags {
        match format {
            Format::Human => eprint!("{}", d.render(color)),
            Format::Json => println!("{}", d.to_json()),
        }
    }
}

fn report(f: &Failure, format: Format) {
    let diags = f.diagnostics();
    print_diagnostics(&diags, format);
    if format == Format::Human {
        let errors = diags.iter().filter(|d| d.is_error()).count();
        match f {
            Failure::Content(_) => eprintln!("error: build failed with {errors} error{}; the previous output was left untouched", if errors == 1 { "" } else { "s" }),
            Failure::Usage(_) | Failure::Io(_) => {}
        }
    }
}

fn build(root: &Path, output_dir: Option<PathBuf>, base_url: Option<String>, drafts: bool, force: bool, format: Format) -> Result<(), Failure> {
    let out = output_dir.unwrap_or_else(|| root.join("output"));
    output::check_output_dir(root, &out, force)?;
    let mut builder = Builder::new(root, BuildOptions { drafts, base_url });
    // A build that runs longer than a second says it is working; the thread is detached and
    // says nothing once the build is done.
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = done.clone();
    std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_secs(1));
        if !flag.load(std::sync::atomic::Ordering::Relaxed) {
            eprintln!("Building… (rendering pages in parallel)");
        }
    });
    let built = builder.build();
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    let built = built?;
    let warnings: Vec<&Diagnostic> = built.warnings.iter().collect();
    print_diagnostics(&warnings, format);
    output::write_site(&out, &built.files)?;
    let s = &built.stats;
    let shown = out.strip_prefix(root).unwrap_or(&out).display().to_string();
    let msg = format!(
        "Built {} pages ({} briefs, {} sections) in {} ms -> {}/",
        s.pages,
        s.briefs,
        s.sections,
        s.elapsed.as_millis(),
        shown.trim_end_matches('/')
    );
    if format == Format::Json {
        eprintln!("{msg}");
    } else {
        println!("{msg}");
    }
    Ok(())
}

fn run(cli: Cli) -> (Result<(), Failure>, Format) {
    match cli.command {
        Command::Build { root, output, base_url, drafts, force, format } => (build(&root, output, base_url, drafts, force, format), format),
        Command::Init { dir } => (
            scaffold::init(&dir).map(|files| {
                println!("Created a new site in {} ({} files).", dir.display(), files.len());
                println!("Next: cd {} && briefing build", dir.display());
            }),
            Format::Human,
        ),
        Command::New { path, title, root } => (
            scaffold::new_brief(&root, &path, title.as_deref()).map(|rel| println!("Created {rel}")),
            Format::Human,
        ),
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let (result, format) = run(cli);
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            report(&f, format);
            ExitCode::from(f.exit_code() as u8)
        }
    }
}
