//! Shortcodes in Markdown: inline `{{ name(arg="v") }}` and block `{% name(arg="v") %}…{% end %}`.
//!
//! They are cut out of the Markdown before pulldown-cmark sees it and replaced by placeholder
//! tokens, so Markdown never mangles their HTML; the rendered HTML is put back afterwards.
//! Shortcodes inside code spans and code blocks are left alone.

use std::collections::{BTreeMap, HashMap};
use std::ops::Range;

use pulldown_cmark::{Event, Parser, Tag};
use serde_json::Value;

use super::{LinkResolver, MarkdownError};

#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub name: String,
    pub args: BTreeMap<String, Value>,
    /// Span of the whole shortcode in the Markdown as written.
    pub span: Range<usize>,
    /// Raw Markdown between a block shortcode's tags.
    pub body: Option<String>,
}

/// What a shortcode failed on, with a hint for the author.
#[derive(Debug, Clone, PartialEq)]
pub struct CallError {
    pub message: String,
    pub hint: Option<String>,
}

/// Renders shortcodes; the render stage implements it with templates and the brief's data.
pub trait ShortcodeHost {
    /// A block's body is Markdown rendered with `links`, the resolver of the document it is
    /// in, which records what the body's links asked.
    fn render(&mut self, call: &Call, links: &dyn LinkResolver) -> Result<String, CallError>;
}

/// A host that knows no shortcode: used where shortcodes are not allowed.
pub struct NoShortcodes;

impl ShortcodeHost for NoShortcodes {
    fn render(&mut self, call: &Call, _: &dyn LinkResolver) -> Result<String, CallError> {
        Err(CallError {
            message: format!("unknown shortcode `{}`", call.name),
            hint: None,
        })
    }
}

/// Markdown with shortcodes replaced by tokens, and the map back to the original offsets.
#[derive(Debug, Default)]
pub struct Expanded {
    pub text: String,
    replacements: Vec<Replacement>,
}

#[derive(Debug)]
struct Replacement {
    html: String,
    block: bool,
    new_start: usize,
    new_len: usize,
    orig_start: usize,
    /// How far offsets after this replacement move back to the Markdown as written: the sum
    /// of `orig_len - new_len` over it and every replacement before it.
    shift: isize,
}

/// Tokens are `MARK briefing-shortcode-N MARK`; U+2063 (invisible separator) is not a character
/// authors type, and pulldown-cmark passes it through untouched.
const MARK: char = '\u{2063}';
const TOKEN_PREFIX: &str = "\u{2063}briefing-shortcode-";

impl Expanded {
    /// Maps a byte range of `text` back to the Markdown as written. A binary search over the
    /// replacements: a brief with thousands of shortcodes and links maps every link.
    pub fn original_span(&self, span: Range<usize>) -> Range<usize> {
        let map = |pos: usize| {
            let before = self
                .replacements
                .partition_point(|r| r.new_start + r.new_len <= pos);
            match self.replacements.get(before) {
                Some(r) if r.new_start <= pos => r.orig_start,
                _ => {
                    let shift = before
                        .checked_sub(1)
                        .map_or(0, |i| self.replacements[i].shift);
                    (pos as isize + shift).max(0) as usize
                }
            }
        };
        map(span.start)..map(span.end)
    }

    /// Puts the shortcodes' HTML in place of their tokens, in one pass over `html` (one
    /// search and replace per shortcode made long briefs quadratic). Each token is replaced
    /// where it first appears; the HTML put in is not searched again.
    pub fn substitute(&self, html: &str) -> String {
        if self.replacements.is_empty() {
            return html.to_string();
        }
        let inserted: usize = self.replacements.iter().map(|r| r.html.len()).sum();
        let mut out = String::with_capacity(html.len() + inserted);
        let mut done = vec![false; self.replacements.len()];
        let mut copied = 0;
        let mut from = 0;
        while let Some(i) = html[from..].find(TOKEN_PREFIX) {
            let start = from + i;
            let digits = start + TOKEN_PREFIX.len();
            from = digits;
            let len = html[digits..]
                .bytes()
                .take_while(u8::is_ascii_digit)
                .count();
            let end = digits + len;
            if len == 0 || !html[end..].starts_with(MARK) {
                continue;
            }
            let Ok(n) = html[digits..end].parse::<usize>() else {
                continue;
            };
            let Some(r) = self.replacements.get(n).filter(|_| !done[n]) else {
                continue;
            };
            done[n] = true;
            let end = end + MARK.len_utf8();
            // A block shortcode, or an inline one that produced block HTML alone on its line,
            // must not stay inside the <p> Markdown wrapped around its token.
            let wrapped = (r.block || starts_block(&r.html))
                && start >= copied + 3
                && html[..start].ends_with("<p>")
                && html[end..].starts_with("</p>");
            let (cut, resume) = if wrapped {
                (start - 3, end + 4)
            } else {
                (start, end)
            };
            out.push_str(&html[copied..cut]);
            out.push_str(&r.html);
            copied = resume;
            from = resume;
        }
        out.push_str(&html[copied..]);
        out
    }
}

/// The token that stands for shortcode `n` in the text given to pulldown-cmark.
fn token(n: usize) -> String {
    format!("{TOKEN_PREFIX}{n}{MARK}")
}

fn starts_block(html: &str) -> bool {
    let h = html.trim_start();
    [
        "<figure",
        "<div",
        "<aside",
        "<section",
        "<table",
        "<svg",
        "<ul",
        "<ol",
        "<blockquote",
        "<p",
    ]
    .iter()
    .any(|t| h.starts_with(t))
}

/// Byte ranges of code spans and code blocks, where shortcodes are literal text: sorted and
/// disjoint, so looking a position up is a binary search, not a pass over every range.
fn code_ranges(src: &str) -> Vec<Range<usize>> {
    let mut ranges: Vec<Range<usize>> = Vec::new();
    for (ev, range) in Parser::new_ext(src, super::options()).into_offset_iter() {
        match ev {
            Event::Code(_) | Event::Start(Tag::CodeBlock(_)) => ranges.push(range),
            _ => {}
        }
    }
    ranges.sort_by_key(|r| r.start);
    let mut merged: Vec<Range<usize>> = Vec::with_capacity(ranges.len());
    for r in ranges {
        match merged.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => merged.push(r),
        }
    }
    merged
}

fn in_ranges(ranges: &[Range<usize>], pos: usize) -> bool {
    let after = ranges.partition_point(|r| r.start <= pos);
    after > 0 && pos < ranges[after - 1].end
}

/// Block shortcodes nest at most this deep. A host renders a block's body as Markdown, which
/// expands the shortcodes inside it, so nesting is recursion: a thousand nested callouts
/// overflowed a render thread's stack and aborted the build.
pub const MAX_DEPTH: usize = 32;

thread_local! {
    /// How many `expand` calls are running on this thread (one per level of block nesting).
    static DEPTH: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Counts one level of [`expand`] for as long as it lives.
struct Level;

impl Level {
    fn enter() -> (Level, usize) {
        let depth = DEPTH.with(|d| {
            d.set(d.get() + 1);
            d.get()
        });
        (Level, depth)
    }
}

impl Drop for Level {
    fn drop(&mut self) {
        DEPTH.with(|d| d.set(d.get().saturating_sub(1)));
    }
}

pub fn expand(
    src: &str,
    host: &mut dyn ShortcodeHost,
    links: &dyn LinkResolver,
    errors: &mut Vec<MarkdownError>,
) -> Expanded {
    if !src.contains("{{") && !src.contains("{%") {
        return Expanded {
            text: src.to_string(),
            replacements: Vec::new(),
        };
    }
    let (_level, depth) = Level::enter();
    if depth > MAX_DEPTH {
        errors.push(MarkdownError {
            span: 0..src.find('\n').unwrap_or(src.len()),
            message: format!("block shortcodes nested more than {MAX_DEPTH} levels deep"),
            hint: Some("nest callouts and other block shortcodes less deeply".into()),
        });
        return Expanded {
            text: src.to_string(),
            replacements: Vec::new(),
        };
    }
    let code = code_ranges(src);
    let in_code = |pos: usize| in_ranges(&code, pos);
    // Built at the first block shortcode: texts without one never pay for it.
    let mut tags: Option<BlockTags> = None;
    let mut out = Expanded::default();
    let mut pos = 0;
    while pos < src.len() {
        let Some(found) = src[pos..].find(['{']) else {
            break;
        };
        let at = pos + found;
        let rest = &src[at..];
        let block = rest.starts_with("{%");
        if !(rest.starts_with("{{") || block) || in_code(at) {
            out.text.push_str(&src[pos..at + 1]);
            pos = at + 1;
            continue;
        }
        let close = if block { "%}" } else { "}}" };
        let parsed = match parse_call(&rest[2..], close) {
            None => {
                // Not a shortcode at all (e.g. `{{ x }}` in prose): leave it as text.
                out.text.push_str(&src[pos..at + 2]);
                pos = at + 2;
                continue;
            }
            Some(p) => p,
        };
        let (name, args, consumed) = match parsed {
            Ok(p) => p,
            Err(message) => {
                let end = rest.find(close).map(|i| at + i + 2).unwrap_or(src.len());
                errors.push(MarkdownError {
                    span: at..end,
                    message,
                    hint: Some(
                        "shortcode arguments look like name(key=\"text\", n=3, flag=true)".into(),
                    ),
                });
                out.text.push_str(&src[pos..end]);
                pos = end;
                continue;
            }
        };
        let open_end = at + 2 + consumed;
        let (body, end) = if block {
            let tags = tags.get_or_insert_with(|| BlockTags::new(src));
            match tags.find_end(open_end) {
                Some((body_range, end)) => (Some(src[body_range].to_string()), end),
                None => {
                    errors.push(MarkdownError {
                        span: at..open_end,
                        message: format!("block shortcode `{name}` is never closed"),
                        hint: Some("close it with {% end %}".into()),
                    });
                    out.text.push_str(&src[pos..open_end]);
                    pos = open_end;
                    continue;
                }
            }
        } else {
            (None, open_end)
        };
        let call = Call {
            name,
            args,
            span: at..end,
            body,
        };
        out.text.push_str(&src[pos..at]);
        let html = match host.render(&call, links) {
            Ok(h) => h,
            Err(e) => {
                errors.push(MarkdownError {
                    span: call.span.clone(),
                    message: e.message,
                    hint: e.hint,
                });
                String::new()
            }
        };
        let token = token(out.replacements.len());
        let token_text = if block {
            format!("\n\n{token}\n\n")
        } else {
            token
        };
        let shift = out.replacements.last().map_or(0, |r| r.shift) + (end - at) as isize
            - token_text.len() as isize;
        out.replacements.push(Replacement {
            html,
            block,
            new_start: out.text.len(),
            new_len: token_text.len(),
            orig_start: at,
            shift,
        });
        out.text.push_str(&token_text);
        pos = end;
    }
    if pos < src.len() {
        out.text.push_str(&src[pos..]);
    }
    out
}

/// Every `{%` of a text that opens or ends a block, read once, so that finding the
/// `{% end %}` of a block is a lookup: scanning to the end of the text for each block made
/// thousands of unclosed blocks quadratic. Tags inside code count too, as they always have.
struct BlockTags {
    /// Where each tag's `{%` starts, in order.
    at: Vec<usize>,
    /// The nesting level after each tag: opens count up, ends count down.
    level: Vec<i32>,
    /// The ends at each level (index into `at`, just past the `%}`), in order.
    ends: HashMap<i32, Vec<(usize, usize)>>,
}

impl BlockTags {
    fn new(src: &str) -> BlockTags {
        let mut tags = BlockTags {
            at: Vec::new(),
            level: Vec::new(),
            ends: HashMap::new(),
        };
        let mut level = 0i32;
        let mut pos = 0;
        while let Some(i) = src[pos..].find("{%") {
            let at = pos + i;
            pos = at + 2;
            let inner = &src[at + 2..];
            let trimmed = inner.trim_start();
            let close = if trimmed.starts_with("end") && trimmed[3..].trim_start().starts_with("%}")
            {
                inner.find("%}").map(|c| at + 2 + c + 2)
            } else {
                None
            };
            if let Some(close) = close {
                level -= 1;
                tags.ends
                    .entry(level)
                    .or_default()
                    .push((tags.at.len(), close));
                pos = close;
            } else if matches!(parse_call(inner, "%}"), Some(Ok(_))) {
                level += 1;
            } else {
                continue;
            }
            tags.at.push(at);
            tags.level.push(level);
        }
        tags
    }

    /// The body and the end of the block whose opening tag ends at `from`: the first
    /// `{% end %}` after it that brings the nesting level below where it started.
    fn find_end(&self, from: usize) -> Option<(Range<usize>, usize)> {
        let first = self.at.partition_point(|&a| a < from);
        let start = first.checked_sub(1).map_or(0, |i| self.level[i]);
        let ends = self.ends.get(&(start - 1))?;
        let &(i, close) = ends.get(ends.partition_point(|&(i, _)| i < first))?;
        Some((from..self.at[i], close))
    }
}

type Parsed = (String, BTreeMap<String, Value>, usize);

/// Parses `name(args) }}` after the opening delimiter. `None` when it is not shaped like a
/// shortcode at all; `Some(Err)` when it is, but the arguments are malformed.
fn parse_call(s: &str, close: &str) -> Option<Result<Parsed, String>> {
    let mut p = Cursor { s, i: 0 };
    p.ws();
    let name = p.ident()?;
    p.ws();
    if !p.eat("(") {
        return None;
    }
    let mut args = BTreeMap::new();
    let result = (|| {
        loop {
            p.ws();
            if p.eat(")") {
                break;
            }
            let key = p
                .ident()
                .ok_or_else(|| format!("expected an argument name in shortcode `{name}`"))?;
            p.ws();
            if !p.eat("=") {
                return Err(format!("expected `=` after `{key}` in shortcode `{name}`"));
            }
            p.ws();
            let value = p.value().ok_or_else(|| {
                format!("expected a value for `{key}` in shortcode `{name}` (a \"string\", number, true/false or [list])")
            })?;
            if args.insert(key.clone(), value).is_some() {
                return Err(format!(
                    "argument `{key}` given twice in shortcode `{name}`"
                ));
            }
            p.ws();
            if p.eat(",") {
                continue;
            }
            if p.eat(")") {
                break;
            }
            return Err(format!("expected `,` or `)` in shortcode `{name}`"));
        }
        p.ws();
        if !p.eat(close) {
            return Err(format!("expected `{close}` to close shortcode `{name}`"));
        }
        Ok(())
    })();
    Some(result.map(|_| (name, args, p.i)))
}

struct Cursor<'a> {
    s: &'a str,
    i: usize,
}

impl<'a> Cursor<'a> {
    fn rest(&self) -> &'a str {
        &self.s[self.i..]
    }
    fn ws(&mut self) {
        let r = self.rest();
        self.i += r.len() - r.trim_start().len();
    }
    fn eat(&mut self, t: &str) -> bool {
        if self.rest().starts_with(t) {
            self.i += t.len();
            true
        } else {
            false
        }
    }
    fn ident(&mut self) -> Option<String> {
        let r = self.rest();
        let first = r.chars().next()?;
        if !(first.is_ascii_alphabetic() || first == '_') {
            return None;
        }
        let len = r
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(r.len());
        self.i += len;
        Some(r[..len].to_string())
    }
    fn value(&mut self) -> Option<Value> {
        let r = self.rest();
        let c = r.chars().next()?;
        match c {
            '"' | '\'' => {
                let mut out = String::new();
                let mut chars = r.char_indices().skip(1);
                while let Some((i, ch)) = chars.next() {
                    if ch == '\\' {
                        let (_, esc) = chars.next()?;
                        out.push(match esc {
                            'n' => '\n',
                            't' => '\t',
                            other => other,
                        });
                    } else if ch == c {
                        self.i += i + 1;
                        return Some(Value::String(out));
                    } else {
                        out.push(ch);
                    }
                }
                None
            }
            '[' => {
                self.i += 1;
                let mut items = Vec::new();
                loop {
                    self.ws();
                    if self.eat("]") {
                        return Some(Value::Array(items));
                    }
                    items.push(self.value()?);
                    self.ws();
                    if !self.eat(",") {
                        self.ws();
                        return self.eat("]").then_some(Value::Array(items));
                    }
                }
            }
            _ => {
                let len = r
                    .find(|ch: char| {
                        !(ch.is_ascii_alphanumeric() || ch == '.' || ch == '-' || ch == '+')
                    })
                    .unwrap_or(r.len());
                let word = &r[..len];
                let v = match word {
                    "true" => Value::Bool(true),
                    "false" => Value::Bool(false),
                    w => {
                        if let Ok(i) = w.parse::<i64>() {
                            Value::from(i)
                        } else {
                            Value::from(w.parse::<f64>().ok().filter(|f| f.is_finite())?)
                        }
                    }
                };
                self.i += len;
                Some(v)
            }
        }
    }
}

/// Tests' documents link nowhere.
#[cfg(test)]
struct NoLinks;

#[cfg(test)]
impl LinkResolver for NoLinks {
    fn resolve(&self, _: &str) -> Option<super::Resolved> {
        None
    }
}

#[cfg(test)]
mod cliffs;

#[cfg(test)]
mod tests {
    use super::*;

    struct Echo;
    impl ShortcodeHost for Echo {
        fn render(&mut self, call: &Call, _: &dyn LinkResolver) -> Result<String, CallError> {
            if call.name == "bad" {
                return Err(CallError {
                    message: "bad shortcode".into(),
                    hint: None,
                });
            }
            Ok(format!(
                "<{}:{}:{}>",
                call.name,
                serde_json::to_string(&call.args).unwrap(),
                call.body.as_deref().unwrap_or("").trim()
            ))
        }
    }

    fn run(s: &str) -> (String, Vec<MarkdownError>) {
        let mut errors = Vec::new();
        let e = expand(s, &mut Echo, &NoLinks, &mut errors);
        (e.substitute(&e.text), errors)
    }

    #[test]
    fn inline_and_block() {
        let (out, errs) = run(
            "A {{ cite(id=\"x\", n=2) }} b.\n\n{% callout(kind=\"note\") %}\nBody **b**\n{% end %}\n",
        );
        assert!(errs.is_empty(), "{errs:?}");
        assert!(out.contains("<cite:{\"id\":\"x\",\"n\":2}:>"), "{out}");
        assert!(
            out.contains("<callout:{\"kind\":\"note\"}:Body **b**>"),
            "{out}"
        );
    }

    #[test]
    fn code_is_left_alone() {
        let src = "`{{ cite(id=\"x\") }}`\n\n```\n{{ cite(id=\"y\") }}\n```\n";
        let (out, errs) = run(src);
        assert!(errs.is_empty());
        assert_eq!(out, src);
    }

    #[test]
    fn malformed_and_failing_calls_report_spans() {
        let src = "x {{ cite(id=) }} y {{ bad() }}";
        let (_, errs) = run(src);
        assert_eq!(errs.len(), 2);
        assert_eq!(&src[errs[0].span.clone()], "{{ cite(id=) }}");
        assert_eq!(&src[errs[1].span.clone()], "{{ bad() }}");
    }

    #[test]
    fn prose_braces_are_text() {
        let (out, errs) = run("a {{ not a call }} {");
        assert!(errs.is_empty());
        assert_eq!(out, "a {{ not a call }} {");
    }

    /// Renders block bodies by expanding them again, as the real host does through Markdown.
    struct Recursive;
    impl ShortcodeHost for Recursive {
        fn render(&mut self, call: &Call, links: &dyn LinkResolver) -> Result<String, CallError> {
            let mut errors = Vec::new();
            let body = call.body.as_deref().unwrap_or("");
            let e = expand(body, self, links, &mut errors);
            if errors.is_empty() {
                Ok(format!("<div>{}</div>", e.substitute(&e.text)))
            } else {
                Err(CallError {
                    message: errors[0].message.clone(),
                    hint: None,
                })
            }
        }
    }

    #[test]
    fn nesting_is_limited_not_a_stack_overflow() {
        let nested =
            |n: usize| format!("{}x\n{}", "{% c() %}\n".repeat(n), "{% end %}\n".repeat(n));
        let mut errors = Vec::new();
        let e = expand(&nested(MAX_DEPTH), &mut Recursive, &NoLinks, &mut errors);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(e.substitute(&e.text).matches("<div>").count(), MAX_DEPTH);
        // Far deeper than any thread's stack would take: one error, no crash.
        let mut errors = Vec::new();
        expand(&nested(20_000), &mut Recursive, &NoLinks, &mut errors);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].message.contains("nested more than"), "{errors:?}");
        // The depth count unwinds: a shallow document afterwards expands normally.
        let mut errors = Vec::new();
        expand(&nested(2), &mut Recursive, &NoLinks, &mut errors);
        assert!(errors.is_empty());
    }

    #[test]
    fn spans_map_back() {
        let mut errors = Vec::new();
        let src = "{{ cite(id=\"x\") }} [l](@/a.md)";
        let e = expand(src, &mut Echo, &NoLinks, &mut errors);
        let link_at = e.text.find("[l]").unwrap();
        assert_eq!(
            e.original_span(link_at..link_at + 3),
            src.find("[l]").unwrap()..src.find("[l]").unwrap() + 3
        );
    }
}
