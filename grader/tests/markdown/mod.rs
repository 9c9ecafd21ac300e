//! Reads the book's Markdown the way mdBook does, as far as the tests need: heading ids,
//! links and images, and inline code spans, all outside fenced code blocks.
//!
//! Not a full CommonMark parser. The book keeps to what it handles: ATX headings (`## x`),
//! fenced code blocks, inline links and images (`[text](target)`, `![alt](target)`),
//! reference definitions (`[label]: target`) and plain HTML `href`/`src` attributes.

#![allow(dead_code)] // each test file uses a different subset

use std::collections::BTreeMap;

/// A link or an image found in a Markdown file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// 1-based line where the link starts.
    pub line: usize,
    pub image: bool,
    pub target: String,
}

/// An inline code span (`` `like this` ``) found in a Markdown file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Code {
    pub line: usize,
    pub text: String,
}

/// The id mdBook gives a heading with this (Markdown) text.
///
/// The text is reduced to what the reader sees (no backticks, emphasis marks or link
/// targets), lower-cased; whitespace becomes `-`, letters, digits, `_` and `-` stay, and
/// every other character is dropped. `## Step 1: block_on` is `step-1-block_on`.
pub fn heading_id(heading: &str) -> String {
    let heading = heading.trim();
    // An explicit id: `## Title {#my-id}`.
    if let Some(open) = heading.rfind(" {")
        && heading.ends_with('}')
        && let Some(id) = heading[open + 2..heading.len() - 1]
            .split_whitespace()
            .find_map(|a| a.strip_prefix('#'))
    {
        return id.to_owned();
    }
    plain_text(heading)
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            c if c.is_alphanumeric() || c == '_' || c == '-' => Some(c),
            c if c.is_whitespace() => Some('-'),
            _ => None,
        })
        .collect()
}

/// The text a reader sees of inline Markdown: link targets, backticks and `*` dropped.
fn plain_text(inline: &str) -> String {
    let mut out = String::new();
    let mut rest = inline;
    while let Some(c) = rest.chars().next() {
        if c == '[' {
            if let Some((text, after)) = bracketed(rest, '[', ']')
                && let Some(after) = after.strip_prefix('(')
                && let Some(close) = after.find(')')
            {
                out.push_str(&plain_text(text));
                rest = &after[close + 1..];
                continue;
            }
        } else if c != '`' && c != '*' {
            out.push(c);
        }
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// Splits `s`, which starts with `open`, at its matching `close`: the text between them
/// and the text after `close`.
fn bracketed(s: &str, open: char, close: char) -> Option<(&str, &str)> {
    let mut depth = 0usize;
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == open {
            depth += 1;
        } else if c == close {
            depth -= 1;
            if depth == 0 {
                return Some((&s[open.len_utf8()..i], &s[i + close.len_utf8()..]));
            }
        }
    }
    None
}

/// The text with every fenced code block (its fences included) replaced by empty lines,
/// so that line numbers stay right.
pub fn without_code_blocks(markdown: &str) -> String {
    let mut out = String::with_capacity(markdown.len());
    let mut fence: Option<(char, usize)> = None;
    for line in markdown.lines() {
        let trimmed = line.trim_start();
        let run = |c: char| trimmed.chars().take_while(|&x| x == c).count();
        match fence {
            None => {
                fence = ['`', '~']
                    .into_iter()
                    .map(|c| (c, run(c)))
                    .find(|&(_, n)| n >= 3);
                if fence.is_none() {
                    out.push_str(line);
                }
            }
            Some((c, n)) => {
                let closing = run(c);
                if closing >= n && trimmed[closing..].trim().is_empty() {
                    fence = None;
                }
            }
        }
        out.push('\n');
    }
    out
}

/// The ids of a chapter's headings, in order, as mdBook makes them unique: the second
/// heading whose id is `x` gets `x-1`, the third `x-2`.
pub fn heading_ids(markdown: &str) -> Vec<String> {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut ids = Vec::new();
    for line in without_code_blocks(markdown).lines() {
        let indent = line.len() - line.trim_start().len();
        let hashes = line.trim_start().chars().take_while(|&c| c == '#').count();
        let after = &line.trim_start()[hashes..];
        if indent > 3 || !(1..=6).contains(&hashes) || !(after.is_empty() || after.starts_with(' '))
        {
            continue;
        }
        // A closing sequence of `#`s is not part of the heading.
        let text = after.trim().trim_end_matches('#').trim_end();
        let id = heading_id(text);
        let count = seen.entry(id.clone()).or_insert(0);
        ids.push(match *count {
            0 => id,
            n => format!("{id}-{n}"),
        });
        *count += 1;
    }
    ids
}

/// The links, images and code spans of a Markdown text, outside fenced code blocks.
pub fn inline(markdown: &str) -> (Vec<Link>, Vec<Code>) {
    let prose = without_code_blocks(markdown);
    let mut links = Vec::new();
    let mut code = Vec::new();
    let bytes = prose.as_bytes();
    let line_at = |i: usize| prose[..i].matches('\n').count() + 1;

    // Reference definitions: `[label]: target`.
    for (n, line) in prose.lines().enumerate() {
        let trimmed = line.trim_start();
        if trimmed.starts_with('[')
            && let Some((_, after)) = bracketed(trimmed, '[', ']')
            && let Some(target) = after.strip_prefix(':')
            && let Some(target) = target.split_whitespace().next()
        {
            links.push(Link {
                line: n + 1,
                image: false,
                target: target.trim_matches(['<', '>']).to_owned(),
            });
        }
    }

    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'`' => {
                let n = bytes[i..].iter().take_while(|&&b| b == b'`').count();
                let start = i + n;
                match closing_backticks(&prose[start..], n) {
                    Some(len) => {
                        let text = prose[start..start + len].replace('\n', " ");
                        code.push(Code {
                            line: line_at(i),
                            text: text.trim().to_owned(),
                        });
                        i = start + len + n;
                    }
                    None => i = start,
                }
            }
            b'[' => {
                let image = i > 0 && bytes[i - 1] == b'!';
                if let Some((_, after)) = bracketed(&prose[i..], '[', ']')
                    && after.starts_with('(')
                    && let Some((dest, _)) = bracketed(after, '(', ')')
                {
                    let dest = dest.trim();
                    let target = match dest.strip_prefix('<') {
                        Some(d) => d.split('>').next().unwrap_or(""),
                        None => dest.split_whitespace().next().unwrap_or(""),
                    };
                    links.push(Link {
                        line: line_at(i),
                        image,
                        target: target.to_owned(),
                    });
                }
                // The link text is scanned like any other text (it may hold code spans).
                i += 1;
            }
            b'<' => {
                // Raw HTML: the targets of `href="..."` and `src="..."`.
                let tag_end = prose[i..].find('>').map_or(prose.len(), |e| i + e);
                let tag = &prose[i..tag_end];
                if tag[1..].starts_with(|c: char| c.is_ascii_alphabetic()) {
                    for attribute in ["href=\"", "src=\""] {
                        if let Some(at) = tag.find(attribute) {
                            let value = &tag[at + attribute.len()..];
                            links.push(Link {
                                line: line_at(i),
                                image: attribute == "src=\"",
                                target: value.split('"').next().unwrap_or("").to_owned(),
                            });
                        }
                    }
                }
                i += 1;
            }
            _ => i += 1,
        }
    }
    (links, code)
}

/// The length of a code span's content: the text before the next run of exactly `n`
/// backticks, which must come before the paragraph ends (a blank line).
fn closing_backticks(s: &str, n: usize) -> Option<usize> {
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'`' {
            let run = bytes[i..].iter().take_while(|&&b| b == b'`').count();
            if run == n {
                return Some(i);
            }
            i += run;
        } else if bytes[i] == b'\n' && bytes.get(i + 1) == Some(&b'\n') {
            return None;
        } else {
            i += 1;
        }
    }
    None
}
