//! The Typst `World` of one brief's PDF: the embedded typst-assets fonts (never the system's,
//! so the bytes do not depend on the machine), the generated main source, the theme's layout
//! file, the site's `.typ` shortcodes the brief calls, and image files of the brief's folder
//! (and the images it names under static/), read through `confine` so no path leaves the
//! site. `today` is the brief's date, so a document that asks for the date is reproducible.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock, Mutex};

use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime, Dict};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};

use crate::confine;

/// Parsed once per process: parsing the embedded fonts is the slowest part of a first PDF.
static FONTS: LazyLock<(LazyHash<FontBook>, Vec<Font>)> = LazyLock::new(|| {
    let fonts: Vec<Font> = typst_assets::fonts()
        .flat_map(|data| Font::iter(Bytes::new(data)))
        .collect();
    (LazyHash::new(FontBook::from_fonts(&fonts)), fonts)
});

/// Whether some embedded font can draw `c` (Typst falls back from font to font, so one is
/// enough). Spaces and the invisible format characters need no glyph.
pub fn drawable(c: char) -> bool {
    if c.is_whitespace()
        || c.is_control()
        || matches!(c, '\u{ad}' | '\u{200b}'..='\u{200f}' | '\u{2060}'..='\u{2064}' | '\u{feff}')
    {
        return true;
    }
    FONTS.1.iter().any(|f| f.info().coverage.contains(c as u32))
}

/// The virtual path of the theme's layout, as the main source imports it.
pub const LAYOUT: &str = "/brief.typ";

pub struct BriefWorld<'a> {
    library: LazyHash<Library>,
    main: Source,
    layout: Source,
    /// The brief's folder under content/, where its images are.
    folder: PathBuf,
    root: &'a confine::Root,
    today: Datetime,
    /// Every file Typst asked for, with the hash of what it got (`None`: nothing there).
    reads: Mutex<Vec<(PathBuf, Option<u64>)>>,
    /// The site's `.typ` shortcodes the brief calls: the only other Typst code.
    modules: HashMap<FileId, Source>,
    /// Image files the brief names, already found and confined.
    images: HashMap<FileId, PathBuf>,
}

pub fn file_id(path: &str) -> Option<FileId> {
    let vpath = VirtualPath::new(path).ok()?;
    Some(RootedPath::new(VirtualRoot::Project, vpath).intern())
}

impl<'a> BriefWorld<'a> {
    /// `None` when a path Typst cannot name (never for the fixed paths used here).
    pub fn new(
        inputs: Dict,
        main: String,
        layout: Arc<str>,
        folder: PathBuf,
        root: &'a confine::Root,
        today: Datetime,
    ) -> Option<BriefWorld<'a>> {
        let library = Library::builder().with_inputs(inputs).build();
        Some(BriefWorld {
            library: LazyHash::new(library),
            main: Source::new(file_id("/main.typ")?, main),
            layout: Source::new(file_id(LAYOUT)?, layout.to_string()),
            folder,
            root,
            today,
            reads: Mutex::new(Vec::new()),
            modules: HashMap::new(),
            images: HashMap::new(),
        })
    }

    /// The files read, once typesetting is done.
    pub fn into_reads(self) -> Vec<(PathBuf, Option<u64>)> {
        let mut reads = self.reads.into_inner().unwrap_or_else(|p| p.into_inner());
        reads.sort();
        reads.dedup();
        reads
    }

    fn record(&self, path: PathBuf, hash: Option<u64>) {
        let mut reads = self.reads.lock().unwrap_or_else(|p| p.into_inner());
        reads.push((path, hash));
    }

    /// The path a virtual path names in the brief's folder, before containment: what a cached
    /// PDF checks again.
    fn wanted(&self, id: FileId) -> Option<PathBuf> {
        let rel = id
            .get()
            .vpath()
            .get_with_slash()
            .trim_start_matches('/')
            .to_string();
        Some(self.folder.join(rel))
    }

    /// Serves `text` as the Typst source at `path` (a `.typ` shortcode module).
    pub fn add_source(&mut self, path: &str, text: &str) -> Option<FileId> {
        let id = file_id(path)?;
        self.modules.insert(id, Source::new(id, text.to_string()));
        Some(id)
    }

    /// Serves the file `real` at `path`.
    pub fn add_file(&mut self, path: &str, real: PathBuf) -> Option<()> {
        self.images.insert(file_id(path)?, real);
        Some(())
    }

    /// The file a virtual path names in the brief's folder, if it stays inside the site.
    fn real_path(&self, id: FileId) -> FileResult<PathBuf> {
        let rooted = id.get();
        if !matches!(rooted.root(), VirtualRoot::Project) {
            return Err(FileError::AccessDenied);
        }
        let rel = rooted.vpath().get_with_slash().trim_start_matches('/');
        let mut path = self.folder.clone();
        for part in rel.split('/') {
            // VirtualPath has already resolved `..`; anything left that is not a plain name
            // is refused rather than interpreted.
            if part.is_empty() || part == "." || part == ".." {
                return Err(FileError::AccessDenied);
            }
            path.push(part);
        }
        self.root
            .resolve(&path)
            .map_err(|_| FileError::NotFound(Path::new(rel).to_path_buf()))
    }
}

impl World for BriefWorld<'_> {
    fn library(&self) -> &LazyHash<Library> {
        &self.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &FONTS.0
    }

    fn main(&self) -> FileId {
        self.main.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() {
            Ok(self.main.clone())
        } else if id == self.layout.id() {
            Ok(self.layout.clone())
        } else if let Some(m) = self.modules.get(&id) {
            Ok(m.clone())
        } else {
            // Only the two generated sources are Typst code: an image folder must not be able
            // to supply markup that runs.
            Err(FileError::AccessDenied)
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        let (path, wanted) = match self.images.get(&id) {
            Some(real) => (Ok(real.clone()), Some(real.clone())),
            None => (self.real_path(id), self.wanted(id)),
        };
        let path = match path {
            Ok(p) => p,
            Err(e) => {
                // A file that is not there yet still counts: creating it must typeset again.
                if let Some(w) = wanted {
                    self.record(w, None);
                }
                return Err(e);
            }
        };
        match std::fs::read(&path) {
            Ok(bytes) => {
                self.record(
                    wanted.unwrap_or_else(|| path.clone()),
                    Some(crate::hashing::hash_of(&bytes)),
                );
                Ok(Bytes::new(bytes))
            }
            Err(e) => {
                self.record(wanted.unwrap_or_else(|| path.clone()), None);
                Err(FileError::from_io(e, &path))
            }
        }
    }

    fn font(&self, index: usize) -> Option<Font> {
        FONTS.1.get(index).cloned()
    }

    fn today(&self, _offset: Option<typst::foundations::Duration>) -> Option<Datetime> {
        Some(self.today)
    }
}
