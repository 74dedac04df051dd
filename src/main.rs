//! The `briefing` command line. Parses arguments, runs a command, prints diagnostics, and maps
//! failures to exit codes; all the work happens in the library.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use briefing::build::{BuildOptions, Builder};
use briefing::diagnostics::{self, Diagnostic, Failure};
use briefing::{output, publish, scaffold, serve};

const EXIT_CODES: &str =
    "Exit codes: 0 success, 1 content or template errors, 2 usage errors, 3 I/O failures.";

#[derive(Parser)]
#[command(name = "briefing", version, about = "Build policy briefings: Markdown briefs with structured metadata, rendered to a fast, accessible static site.", after_help = EXIT_CODES)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum, PartialEq)]
enum Format {
    /// Compiler-style reports with the source line; more than 10 alike in one file are counted in one note.
    Human,
    /// One JSON object per diagnostic per line (all of them), for editors and CI.
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Build the site into the output folder (atomically: a failed build keeps the old output).
    #[command(after_help = EXIT_CODES)]
    Build {
        /// The site root, holding briefing.toml [default: the nearest folder holding one, from
        /// the current folder up].
        #[arg(long)]
        root: Option<PathBuf>,
        /// Where to write the site [default: ROOT/output]; a relative path is taken from the
        /// current folder; a symlink is written through (the site goes into its target, the
        /// link stays).
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
        /// Minify HTML, CSS and JS (also on with `minify = true` in briefing.toml).
        #[arg(long)]
        minify: bool,
        /// Write links, stylesheets, scripts and images relative to each page, so the output
        /// opens from disk or a zip (also on with `relative_urls = true` in briefing.toml).
        /// Feeds, the sitemap and canonical links stay absolute.
        #[arg(long)]
        relative_urls: bool,
        /// How to print diagnostics.
        #[arg(long, value_enum, default_value = "human")]
        format: Format,
    },
    /// Build the site and deploy it into TARGET as a new release, then switch TARGET/current to it atomically.
    #[command(after_help = EXIT_CODES)]
    Publish {
        /// The web root to deploy into (a relative path is taken from the current folder); it
        /// holds releases/ and the `current` symlink to serve from.
        target: PathBuf,
        /// The site root, holding briefing.toml [default: the nearest folder holding one, from
        /// the current folder up].
        #[arg(long)]
        root: Option<PathBuf>,
        /// How many releases to keep; the one `current` points to is never removed.
        #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..))]
        keep: u64,
        /// Point `current` back at the release before it, without building.
        #[arg(long, conflicts_with_all = ["drafts", "base_url"])]
        rollback: bool,
        /// Include briefs and sections marked draft.
        #[arg(long)]
        drafts: bool,
        /// Override base_url from briefing.toml.
        #[arg(long)]
        base_url: Option<String>,
    },
    /// Validate the site without writing it: front matter, links and anchors, images and alt
    /// text, data files, unreachable briefs, duplicate titles, placeholders left from `init`
    /// and `new` (errors here, warnings in build); on a site in several languages, per
    /// language, the pages with no translation and the stale translations (warnings); lists
    /// external links.
    #[command(after_help = EXIT_CODES)]
    Check {
        /// The site root, holding briefing.toml [default: the nearest folder holding one, from
        /// the current folder up].
        #[arg(long)]
        root: Option<PathBuf>,
        /// Include drafts.
        #[arg(long)]
        drafts: bool,
        /// How to print the findings.
        #[arg(long, value_enum, default_value = "human")]
        format: Format,
    },
    /// Internal: removes a replaced output folder in the background after `build`.
    #[command(name = "__remove-tree", hide = true)]
    RemoveTree { dir: PathBuf },
    /// Create a new site in DIR that builds at once; build warns about each placeholder it
    /// writes ("Your organisation", ...) until it is replaced.
    #[command(after_help = EXIT_CODES)]
    Init {
        /// Folder to create the site in.
        dir: PathBuf,
        /// The site's title, also the home page's heading [default: from the folder's name].
        #[arg(long)]
        title: Option<String>,
        /// The site's languages, the default one first, e.g. `en,fr`: each other one gets a
        /// [languages.CODE] table and translations of the home page and the section, with
        /// placeholders for the translator [default: en].
        #[arg(long, value_name = "CODES", value_delimiter = ',')]
        languages: Vec<String>,
    },
    /// Write a new brief content/SECTION/SLUG.md from the section's archetype; the file name
    /// is a slug of the name given ("analysis/Energy Security" writes
    /// content/analysis/energy-security.md titled "Energy Security"). A name with one of the
    /// site's language suffixes (hedges/china.fr) is refused: `briefing translate` makes a
    /// translation from its original.
    #[command(after_help = EXIT_CODES)]
    New {
        /// SECTION/NAME, e.g. hedges/vietnam or "analysis/Energy Security".
        path: String,
        /// The brief's title [default: the name given, or the slug's words].
        #[arg(long)]
        title: Option<String>,
        /// Create the section (its folder and _index.md) when it does not exist yet.
        #[arg(long)]
        create_section: bool,
        /// The site root, holding briefing.toml [default: the nearest folder holding one, from
        /// the current folder up].
        #[arg(long)]
        root: Option<PathBuf>,
    },
    /// Scaffold the translation of a brief or section beside it (china.md -> china.fr.md),
    /// with every text field and the body copied from the original for the translator to
    /// overwrite, and `translated_from` set to the original's current version; `check` reports
    /// the translation stale when the original's text changes. With --update, record that an
    /// existing translation has caught up with its original (only its `translated_from` is
    /// rewritten).
    #[command(after_help = EXIT_CODES)]
    Translate {
        /// The original: a brief (content/hedges/china.md, content/hedges/china/index.md) or
        /// a section's _index.md, from the current folder, the site root or content/.
        original: PathBuf,
        /// The language to translate into: one of the site's [languages.CODE] tables.
        #[arg(long, value_name = "CODE")]
        to: String,
        /// The translation exists and translates the original as it is now: rewrite its
        /// `translated_from`, and nothing else, so `check` no longer reports it stale.
        #[arg(long)]
        update: bool,
        /// The site root, holding briefing.toml [default: the nearest folder holding one, from
        /// the current folder up].
        #[arg(long)]
        root: Option<PathBuf>,
    },
    /// Build the site, serve it from memory, and rebuild and reload the browser on every change.
    #[command(after_help = EXIT_CODES)]
    Serve {
        /// The site root, holding briefing.toml [default: the nearest folder holding one, from
        /// the current folder up].
        #[arg(long)]
        root: Option<PathBuf>,
        /// Address to listen on; anything but loopback is reachable from other machines.
        #[arg(long, default_value = "127.0.0.1")]
        bind: String,
        /// Port to listen on; the next free one is used if it is taken (0: any free port).
        #[arg(long, default_value_t = 1111)]
        port: u16,
        /// Open the site in the default browser.
        #[arg(long)]
        open: bool,
        /// Include briefs and sections marked draft.
        #[arg(long)]
        drafts: bool,
        /// Also answer requests for this host name (a proxy or tunnel you trust), on any port,
        /// or only on PORT if given as NAME:PORT; repeatable. Without it only localhost and IP
        /// addresses on the preview's port are answered, so other web sites cannot read the
        /// preview through DNS rebinding.
        #[arg(long = "allow-host", value_name = "NAME")]
        allow_host: Vec<String>,
    },
}

fn print_diagnostics(diags: &[&Diagnostic], format: Format) {
    let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    match format {
        Format::Human => eprint!("{}", diagnostics::render_report(diags, color)),
        Format::Json => {
            for d in diagnostics::json_report(diags) {
                println!("{d}");
            }
        }
    }
}

fn report(f: &Failure, format: Format) {
    let diags = f.diagnostics();
    print_diagnostics(&diags, format);
    if format == Format::Human {
        let errors = diags.iter().filter(|d| d.is_error()).count();
        match f {
            Failure::Content(d) if d.is_empty() => {}
            Failure::Content(_) => eprintln!(
                "error: build failed with {errors} error{}; the previous output was left untouched",
                if errors == 1 { "" } else { "s" }
            ),
            Failure::Usage(_) | Failure::Io(_) => {}
        }
    }
}

/// Where a command's site is.
struct Site {
    /// The site root, as `--root` gave it or as a path from the current folder (`../..`).
    root: PathBuf,
    /// Found above the current folder: paths are shown from the current folder, where the
    /// analyst is, not from the root.
    above: bool,
}

impl Site {
    /// `--root` as given, or the nearest folder from the current one up that holds
    /// briefing.toml, as git and cargo find theirs.
    fn locate(root: Option<PathBuf>) -> Result<Site, Failure> {
        if let Some(root) = root {
            return Ok(Site { root, above: false });
        }
        let cwd = std::env::current_dir()
            .map_err(|e| Failure::io("cannot read the current folder", Path::new("."), &e))?;
        match briefing::config::find_root(&cwd) {
            Some(root) => Ok(Site {
                above: root != Path::new("."),
                root,
            }),
            None => Err(Failure::Usage(
                Diagnostic::error(format!(
                    "no {} in {} or any folder above it",
                    briefing::config::CONFIG_FILE,
                    cwd.display()
                ))
                .with_hint(
                    "run briefing inside a site, pass --root DIR, or create one with `briefing init DIR`",
                ),
            )),
        }
    }

    /// A path relative to the root, as the analyst can use it from the current folder.
    fn show(&self, rel: &str) -> String {
        if self.above {
            self.root.join(rel).display().to_string()
        } else {
            rel.to_string()
        }
    }
}

fn build(
    site: &Site,
    output_dir: Option<PathBuf>,
    options: BuildOptions,
    force: bool,
    format: Format,
) -> Result<(), Failure> {
    let root = site.root.as_path();
    let out = output_dir.unwrap_or_else(|| root.join("output"));
    // Locks the output, checks it, and makes the staging folder pages stream into as they
    // render; the output is replaced only once everything is there.
    let job = briefing::output::swap::Job::start(root, &out, force)?;
    let real = job.output().to_path_buf();
    let reuse = output::Reuse::from_previous(&real);
    let mut builder = Builder::new(root, options).reusing(reuse.clone());
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
    let built = builder.build_into(job.staging()).and_then(|built| {
        output::fill_staging(job.staging(), built.output.files(), reuse.as_ref()).map(|_| built)
    });
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    // On failure the job, dropped, removes its staging folder.
    let built = built?;
    let warnings: Vec<&Diagnostic> = built.warnings.iter().collect();
    print_diagnostics(&warnings, format);
    job.commit()?;
    let s = &built.stats;
    let shown = match out.strip_prefix(root) {
        Ok(rel) if !site.above => rel.display().to_string(),
        _ => out.display().to_string(),
    };
    let mut msg = format!("{} -> {}/", s.summary(), shown.trim_end_matches('/'));
    if real != out {
        msg.push_str(&format!(" (a symlink to {})", real.display()));
    }
    if format == Format::Json {
        eprintln!("{msg}");
    } else {
        println!("{msg}");
    }
    Ok(())
}

fn publish_site(opts: publish::PublishOptions, rollback: bool) -> Result<(), Failure> {
    let current = opts.target.join(publish::CURRENT);
    if rollback {
        let r = publish::rollback(&opts.root, &opts.target)?;
        println!(
            "Rolled back {} -> {}/{} (was {})",
            current.display(),
            publish::RELEASES,
            r.to,
            r.from
        );
        return Ok(());
    }
    let p = publish::publish(&opts)?;
    let warnings: Vec<&Diagnostic> = p.warnings.iter().collect();
    print_diagnostics(&warnings, Format::Human);
    println!("{}", p.stats.summary());
    let was = p
        .previous
        .map(|r| format!(" (was {r})"))
        .unwrap_or_default();
    println!(
        "Published release {}: {} -> {}/{}{was}",
        p.release,
        current.display(),
        publish::RELEASES,
        p.release
    );
    if !p.removed.is_empty() {
        println!(
            "Removed {} old release{}: {}",
            p.removed.len(),
            if p.removed.len() == 1 { "" } else { "s" },
            p.removed.join(", ")
        );
    }
    println!("Releases kept ({}): {}", p.kept.len(), p.kept.join(", "));
    Ok(())
}

fn check(root: &Path, drafts: bool, format: Format) -> Result<(), Failure> {
    let report = briefing::check::run(root, drafts)?;
    let diags: Vec<&Diagnostic> = report.diagnostics.iter().collect();
    print_diagnostics(&diags, format);
    match format {
        Format::Json => {
            for (page, url) in &report.external_links {
                println!(
                    "{}",
                    serde_json::json!({ "severity": "info", "message": "external link (not fetched)", "file": page, "url": url })
                );
            }
        }
        Format::Human => {
            if !report.external_links.is_empty() {
                println!("External links (not fetched):");
                let mut seen = std::collections::BTreeSet::new();
                for (_, url) in &report.external_links {
                    if seen.insert(url) {
                        println!("  {url}");
                    }
                }
            }
        }
    }
    let errors = report.diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = report.diagnostics.len() - errors;
    eprintln!(
        "Checked {} pages: {errors} errors, {warnings} warnings, {} external links",
        report.pages,
        report.external_links.len()
    );
    if report.has_errors() {
        // Already printed; exit 1 without printing them twice.
        return Err(Failure::Content(Vec::new()));
    }
    Ok(())
}

fn run(cli: Cli) -> (Result<(), Failure>, Format) {
    match cli.command {
        Command::Build {
            root,
            output,
            base_url,
            drafts,
            force,
            minify,
            relative_urls,
            format,
        } => {
            let options = BuildOptions {
                drafts,
                base_url,
                minify,
                serve: false,
                relative_urls,
                ..BuildOptions::default()
            };
            (
                Site::locate(root).and_then(|site| build(&site, output, options, force, format)),
                format,
            )
        }
        Command::Publish {
            target,
            root,
            keep,
            rollback,
            drafts,
            base_url,
        } => {
            let keep = usize::try_from(keep).unwrap_or(usize::MAX);
            (
                Site::locate(root).and_then(|site| {
                    publish_site(
                        publish::PublishOptions {
                            root: site.root,
                            target,
                            keep,
                            drafts,
                            base_url,
                        },
                        rollback,
                    )
                }),
                Format::Human,
            )
        }
        Command::Check {
            root,
            drafts,
            format,
        } => (
            Site::locate(root).and_then(|site| check(&site.root, drafts, format)),
            format,
        ),
        Command::RemoveTree { dir } => (output::remove_discarded(&dir), Format::Human),
        Command::Init {
            dir,
            title,
            languages,
        } => (
            scaffold::init(&dir, title.as_deref(), &languages).map(|files| {
                println!(
                    "Created a new site in {} ({} files).",
                    dir.display(),
                    files.len()
                );
                println!("Next: cd {} && briefing build", dir.display());
            }),
            Format::Human,
        ),
        Command::Serve {
            root,
            bind,
            port,
            open,
            drafts,
            allow_host,
        } => {
            let start = |site: Site| {
                serve::run(serve::ServeOptions {
                    root: site.root,
                    bind,
                    port,
                    open,
                    drafts,
                    allow_hosts: allow_host,
                })
            };
            (Site::locate(root).and_then(start), Format::Human)
        }
        Command::Translate {
            original,
            to,
            update,
            root,
        } => (
            Site::locate(root).and_then(|site| {
                match scaffold::translate(&site.root, &original, &to, update)? {
                    scaffold::Translated::Created { file, hash } => {
                        println!(
                            "Created {} (translated_from = \"{hash}\")",
                            site.show(&file)
                        );
                        println!("Next: translate its text fields and body");
                    }
                    scaffold::Translated::Updated { file, hash, was } => match was {
                        Some(w) if w == hash => {
                            println!("{} was already up to date ({hash})", site.show(&file))
                        }
                        Some(w) => println!(
                            "Updated {}: translated_from = \"{hash}\" (was \"{w}\")",
                            site.show(&file)
                        ),
                        None => println!(
                            "Updated {}: translated_from = \"{hash}\" (added)",
                            site.show(&file)
                        ),
                    },
                }
                Ok(())
            }),
            Format::Human,
        ),
        Command::New {
            path,
            title,
            create_section,
            root,
        } => (
            Site::locate(root).and_then(|site| {
                let written =
                    scaffold::new_brief(&site.root, &path, title.as_deref(), create_section)?;
                for rel in written {
                    println!("Created {}", site.show(&rel));
                }
                Ok(())
            }),
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
