//! Architectural rules of `daemon/src`, proven by reading its files as text.
//!
//! Nothing here compiles or imports the daemon's modules: the rules are
//! checked on the source files themselves, discovered by walking
//! `daemon/src`, so files can move between modules without touching this
//! test.
//!
//! - `daemon_src_has_no_module_cycles`: no two top-level modules depend on
//!   each other, directly or through others, and neither do two sibling
//!   modules inside any directory (`jobs::runner` and `jobs::module`, say).
//!   A module may use its own parent's and children's items freely.
//! - `daemon_src_has_no_process_wide_state`: no `static` items, and no
//!   `Box::leak`, `Vec::leak`, `String::leak`, `.leak()`, `OnceLock`,
//!   `LazyLock`, `lazy_static!` or `thread_local!`, outside
//!   `#[cfg(test)] mod … { … }` blocks. `const` items are fine.
//!
//! The scanners take `(path, text)` pairs, with paths relative to `src/`,
//! so the `self_test_*` tests prove on small made-up files that each rule
//! does find what it looks for.
//!
//! How a file is read:
//!
//! - Comments (`//`, nested `/* */`, doc comments) and string, raw string,
//!   byte string and character literals are blanked first, keeping line
//!   numbers; then every `#[cfg(test)]` (optionally `pub`) `mod name { … }`
//!   block is blanked by brace matching.
//! - The module tree comes from the file layout: `lib.rs` is the crate
//!   root, `foo.rs` and `foo/mod.rs` are `foo`, `foo/bar.rs` is `foo::bar`.
//!   `main.rs` and `bin/` are binaries, not part of the tree (but they are
//!   searched for process-wide state).
//! - A file's references are the paths starting `crate::` (or `$crate::`),
//!   `super::` and `self::` anywhere in its code, and every leaf of its
//!   `use` trees (`use crate::{a, b::{c, d}}`), where a `use` path may also
//!   start with the name of one of the module's own child modules.
//! - A path resolves to the deepest module of the tree it names
//!   (`crate::jobs::runner::Runner` is `jobs::runner`, `crate::jobs::Job` is
//!   `jobs`). When the item it then names was brought into that module by a
//!   `use` (a re-export such as `pub use runner::Runner` in `jobs/mod.rs`, or
//!   `pub use jobs::Daemon` in `lib.rs`), the module that `use` points at
//!   is a dependency too: otherwise a facade in a parent hides real edges
//!   between its children, and the crate root's re-exports hide edges
//!   between top-level modules. Glob imports (`pub use x::*`) are not
//!   followed.
//! - An edge between two modules is counted where their paths part: an edge
//!   `a::b::c -> a::d` is an edge `a::b -> a::d` among the children of `a`,
//!   and `x::y -> z` is an edge `x -> z` among the top-level modules. Edges
//!   between a module and its own ancestors are never cycles.
//!
//! Not seen: uses of macros (`info!` from `log`), bare paths in code that
//! go through an imported name (`config::load()` after
//! `use crate::config;`, whose `use` is seen), `#[path]` attributes, and
//! inline modules other than test modules (their `super::` is read as if
//! written in the file's module).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::fs;
use std::path::Path;

/// A module's path from the crate root; the root itself is empty.
type ModPath = Vec<String>;

/// The longest cycle list printed for one group of siblings.
const MAX_CYCLES_PER_GROUP: usize = 50;

// ---------------------------------------------------------------------------
// Reading source text
// ---------------------------------------------------------------------------

fn is_ident_start(c: char) -> bool {
    c.is_alphabetic() || c == '_'
}

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Replace `text[from..to]` by spaces, keeping newlines.
fn blank(text: &mut [char], from: usize, to: usize) {
    let to = to.min(text.len());
    for c in &mut text[from.min(to)..to] {
        if *c != '\n' {
            *c = ' ';
        }
    }
}

/// The index just past the `"` closing a string whose text starts at `from`.
fn end_of_string(c: &[char], from: usize) -> usize {
    let mut j = from;
    while j < c.len() {
        match c[j] {
            '\\' => j += 2,
            '"' => return j + 1,
            _ => j += 1,
        }
    }
    c.len()
}

/// `text` with every comment and every string and character literal blanked.
///
/// Blanked text is replaced by spaces except for newlines, so offsets and
/// line numbers stay those of the original.
fn strip_comments_and_literals(text: &str) -> Vec<char> {
    let c: Vec<char> = text.chars().collect();
    let at = |k: usize| c.get(k).copied().unwrap_or('\0');
    let mut out = c.clone();
    let mut i = 0;
    while i < c.len() {
        if at(i) == '/' && at(i + 1) == '/' {
            let mut j = i;
            while j < c.len() && c[j] != '\n' {
                j += 1;
            }
            blank(&mut out, i, j);
            i = j;
        } else if at(i) == '/' && at(i + 1) == '*' {
            // Block comments nest.
            let (mut j, mut depth) = (i, 0usize);
            while j < c.len() {
                if at(j) == '/' && at(j + 1) == '*' {
                    depth += 1;
                    j += 2;
                } else if at(j) == '*' && at(j + 1) == '/' {
                    depth -= 1;
                    j += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    j += 1;
                }
            }
            blank(&mut out, i, j);
            i = j;
        } else if at(i) == '"' {
            let j = end_of_string(&c, i + 1);
            blank(&mut out, i, j);
            i = j;
        } else if at(i) == '\'' {
            if at(i + 1) == '\\' {
                // An escaped character: '\n', '\'', '\u{1F600}'.
                let mut j = i + 3;
                while j < c.len() && c[j] != '\'' {
                    j += 1;
                }
                blank(&mut out, i, j + 1);
                i = j + 1;
            } else if at(i + 2) == '\'' {
                // One character, which may be a quote or a brace: '"', '{'.
                blank(&mut out, i, i + 3);
                i += 3;
            } else {
                // A lifetime or a label.
                i += 1;
            }
        } else if is_ident_start(at(i)) {
            let mut j = i;
            while j < c.len() && is_ident_char(c[j]) {
                j += 1;
            }
            let word: String = c[i..j].iter().collect();
            // Raw strings: r"…", r#"…"#, br"…", cr"…". (`b"…"`, `c"…"` and
            // `b'…'` need nothing: the quote is handled on the next turn.)
            if matches!(word.as_str(), "r" | "br" | "cr") {
                let mut k = j;
                while at(k) == '#' {
                    k += 1;
                }
                let hashes = k - j;
                if at(k) == '"' {
                    let mut m = k + 1;
                    while m < c.len() {
                        if c[m] == '"' && (1..=hashes).all(|h| at(m + h) == '#') {
                            m += 1 + hashes;
                            break;
                        }
                        m += 1;
                    }
                    blank(&mut out, i, m);
                    i = m;
                    continue;
                }
            }
            i = j;
        } else {
            i += 1;
        }
    }
    out
}

/// One token of stripped source: a word, `::`, or any other single character.
#[derive(Debug, Clone)]
struct Token {
    text: String,
    /// 1-based.
    line: usize,
    /// Offset in the text's characters.
    start: usize,
}

fn tokenize(c: &[char]) -> Vec<Token> {
    let mut tokens = Vec::new();
    let (mut i, mut line) = (0, 1);
    while i < c.len() {
        let ch = c[i];
        if ch == '\n' {
            line += 1;
            i += 1;
        } else if ch.is_whitespace() {
            i += 1;
        } else if is_ident_char(ch) {
            let mut j = i;
            while j < c.len() && is_ident_char(c[j]) {
                j += 1;
            }
            tokens.push(Token {
                text: c[i..j].iter().collect(),
                line,
                start: i,
            });
            i = j;
        } else if ch == ':' && c.get(i + 1) == Some(&':') {
            tokens.push(Token {
                text: "::".into(),
                line,
                start: i,
            });
            i += 2;
        } else {
            tokens.push(Token {
                text: ch.to_string(),
                line,
                start: i,
            });
            i += 1;
        }
    }
    tokens
}

/// The text of token `i`, or `""` past the end.
fn tok(tokens: &[Token], i: usize) -> &str {
    tokens.get(i).map_or("", |t| t.text.as_str())
}

fn is_ident(s: &str) -> bool {
    s.chars().next().is_some_and(is_ident_start)
}

/// The index just past the bracket closing the one at `open`.
fn skip_group(tokens: &[Token], open: usize) -> usize {
    let (o, c) = match tok(tokens, open) {
        "(" => ("(", ")"),
        "[" => ("[", "]"),
        "{" => ("{", "}"),
        _ => return open + 1,
    };
    let mut depth = 0usize;
    for (i, t) in tokens.iter().enumerate().skip(open) {
        if t.text == o {
            depth += 1;
        } else if t.text == c {
            depth -= 1;
            if depth == 0 {
                return i + 1;
            }
        }
    }
    tokens.len()
}

/// Blank every `#[cfg(test)] [#[…]]… [pub[(…)]] mod name { … }` block.
fn blank_test_modules(text: &mut [char]) {
    let tokens = tokenize(text);
    let t = |i: usize| tok(&tokens, i);
    let mut blocks = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let cfg_test = ["#", "[", "cfg", "(", "test", ")", "]"];
        if cfg_test.iter().enumerate().all(|(k, s)| t(i + k) == *s) {
            let mut j = i + cfg_test.len();
            while t(j) == "#" && t(j + 1) == "[" {
                j = skip_group(&tokens, j + 1);
            }
            if t(j) == "pub" {
                j += 1;
                if t(j) == "(" {
                    j = skip_group(&tokens, j);
                }
            }
            if t(j) == "mod" && is_ident(t(j + 1)) && t(j + 2) == "{" {
                let end = skip_group(&tokens, j + 2);
                blocks.push((tokens[i].start, tokens[end - 1].start + 1));
                i = end;
                continue;
            }
        }
        i += 1;
    }
    for (from, to) in blocks {
        blank(text, from, to);
    }
}

/// The tokens of a file's code: no comments, literals or test modules.
fn code_tokens(text: &str) -> Vec<Token> {
    let mut chars = strip_comments_and_literals(text);
    blank_test_modules(&mut chars);
    tokenize(&chars)
}

// ---------------------------------------------------------------------------
// Paths named in code
// ---------------------------------------------------------------------------

/// One path written in a file, such as `crate::jobs::Runner` or one leaf of a `use` tree.
#[derive(Debug, Clone)]
struct PathRef {
    /// As written, with a `use` group's prefix prepended: `["super", "config", "Settings"]`.
    segments: Vec<String>,
    /// The line of its last segment.
    line: usize,
    /// The name a `use` of it brings into scope (its alias or last segment).
    name: Option<String>,
    /// Whether it is in a `use` item (whose paths may start with a child module's name).
    in_use: bool,
}

/// Parse one use tree (or plain path) at `i`, pushing its leaves; returns the index after it.
fn parse_tree(tokens: &[Token], mut i: usize, prefix: &[String], out: &mut Vec<PathRef>) -> usize {
    let t = |i: usize| tok(tokens, i);
    let mut segments = prefix.to_vec();
    let mut line = tokens.get(i).map_or(0, |t| t.line);
    if t(i) == "::" {
        i += 1;
    }
    loop {
        match t(i) {
            "{" => {
                i += 1;
                loop {
                    if t(i) == "}" {
                        return i + 1;
                    }
                    let next = parse_tree(tokens, i, &segments, out);
                    i = next;
                    match t(i) {
                        "," => i += 1,
                        "}" => return i + 1,
                        _ => return i,
                    }
                }
            }
            "*" => {
                // Globs name their prefix only.
                out.push(PathRef {
                    segments,
                    line: tokens[i].line,
                    name: None,
                    in_use: false,
                });
                return i + 1;
            }
            s if is_ident(s) => {
                segments.push(s.to_string());
                line = tokens[i].line;
                i += 1;
                if t(i) == "::" && (is_ident(t(i + 1)) || matches!(t(i + 1), "{" | "*")) {
                    i += 1;
                    continue;
                }
                break;
            }
            _ => break,
        }
    }
    if segments.len() == prefix.len() {
        return i;
    }
    let mut name = match segments.as_slice() {
        [.., before, last] if last == "self" => Some(before.clone()),
        [.., last] => Some(last.clone()),
        [] => None,
    };
    if t(i) == "as" && is_ident(t(i + 1)) {
        name = Some(t(i + 1).to_string()).filter(|n| n != "_");
        i += 2;
    }
    out.push(PathRef {
        segments,
        line,
        name,
        in_use: false,
    });
    i
}

/// Every path in `tokens` that starts `crate::`, `super::` or `self::`, and every `use` leaf.
fn path_refs(tokens: &[Token]) -> Vec<PathRef> {
    let t = |i: usize| tok(tokens, i);
    let mut refs = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let prev = if i == 0 { "" } else { t(i - 1) };
        let is_use = t(i) == "use" && prev != "::";
        let is_path =
            matches!(t(i), "crate" | "super" | "self") && t(i + 1) == "::" && prev != "::";
        if is_use || is_path {
            let mut found = Vec::new();
            let end = parse_tree(tokens, if is_use { i + 1 } else { i }, &[], &mut found);
            for mut r in found {
                r.in_use = is_use;
                refs.push(r);
            }
            i = end.max(i + 1);
        } else {
            i += 1;
        }
    }
    refs
}

// ---------------------------------------------------------------------------
// The module tree and its edges
// ---------------------------------------------------------------------------

/// The module a file under `src/` holds, or `None` for a binary's file.
fn module_of(path: &str) -> Option<ModPath> {
    let stem = path.strip_suffix(".rs")?;
    let mut segments: ModPath = stem.split('/').map(str::to_string).collect();
    match segments.as_slice() {
        [only] if only == "lib" => return Some(Vec::new()),
        [only] if only == "main" => return None,
        [first, ..] if first == "bin" => return None,
        _ => {}
    }
    if segments.last().is_some_and(|s| s == "mod") {
        segments.pop();
    }
    Some(segments)
}

fn child(of: &[String], name: &str) -> ModPath {
    let mut path = of.to_vec();
    path.push(name.to_string());
    path
}

/// A path as written, without the trailing `self` of a `use a::{self}` leaf.
fn written(segments: &[String]) -> String {
    let trimmed = match segments {
        [rest @ .., last] if last == "self" && !rest.is_empty() => rest,
        all => all,
    };
    trimmed.join("::")
}

fn show(module: &[String]) -> String {
    if module.is_empty() {
        "crate".to_string()
    } else {
        module.join("::")
    }
}

/// Where one edge was seen.
#[derive(Debug, Clone)]
struct Evidence {
    file: String,
    line: usize,
    /// The path as written.
    written: String,
    /// The module whose `use` was followed, when the edge comes from following one.
    via_reexport: Option<ModPath>,
}

impl Evidence {
    fn describe(&self) -> String {
        let mut s = format!("src/{}:{} `{}`", self.file, self.line, self.written);
        if let Some(to) = &self.via_reexport {
            let _ = write!(s, " (through a `use` in {})", show(to));
        }
        s
    }
}

/// The module tree and every name each module imports with `use`.
struct Crate {
    modules: BTreeSet<ModPath>,
    /// Per module, each name one of its `use` items brings in, as an absolute path.
    imports: BTreeMap<ModPath, BTreeMap<String, Vec<String>>>,
}

impl Crate {
    /// `r`, written in module `current`, as a path from the crate root.
    ///
    /// `None` for a path into another crate, or one that climbs above the root.
    fn absolute(&self, current: &[String], r: &PathRef) -> Option<Vec<String>> {
        let first = r.segments.first()?.as_str();
        let (mut path, rest): (Vec<String>, &[String]) = match first {
            "crate" => (Vec::new(), &r.segments[1..]),
            "self" => (current.to_vec(), &r.segments[1..]),
            "super" => (
                current.get(..current.len().checked_sub(1)?)?.to_vec(),
                &r.segments[1..],
            ),
            _ if r.in_use && self.modules.contains(&child(current, first)) => {
                (current.to_vec(), &r.segments[..])
            }
            _ => return None,
        };
        for s in rest {
            match s.as_str() {
                "super" => {
                    path.pop()?;
                }
                "self" => {}
                _ => path.push(s.clone()),
            }
        }
        Some(path)
    }

    /// The deepest module `path` names, following imports if `follow` is set.
    fn resolve(&self, path: &[String], follow: bool, depth: usize) -> ModPath {
        let mut current = Vec::new();
        for (i, s) in path.iter().enumerate() {
            let next = child(&current, s);
            if self.modules.contains(&next) {
                current = next;
                continue;
            }
            let imported = self.imports.get(&current).and_then(|names| names.get(s));
            if let (true, Some(target)) = (follow && depth < 16, imported) {
                let mut target = target.clone();
                target.extend_from_slice(&path[i + 1..]);
                return self.resolve(&target, follow, depth + 1);
            }
            break;
        }
        current
    }
}

/// Every dependency between modules in `files`: (from, to, where).
fn module_edges(files: &[(&str, &str)]) -> Vec<(ModPath, ModPath, Evidence)> {
    let mut sorted: Vec<(&str, &str)> = files.to_vec();
    sorted.sort();
    let parsed: Vec<(&str, ModPath, Vec<PathRef>)> = sorted
        .iter()
        .filter_map(|(path, text)| Some((*path, module_of(path)?, path_refs(&code_tokens(text)))))
        .collect();

    let mut krate = Crate {
        modules: parsed.iter().map(|(_, m, _)| m.clone()).collect(),
        imports: BTreeMap::new(),
    };
    // Ancestors of every file's module exist even without a file of their own.
    for (_, m, _) in &parsed {
        for n in 0..m.len() {
            krate.modules.insert(m[..n].to_vec());
        }
    }
    let mut imports = BTreeMap::new();
    for (_, module, refs) in &parsed {
        for r in refs.iter().filter(|r| r.in_use) {
            if let (Some(name), Some(target)) = (&r.name, krate.absolute(module, r)) {
                let names: &mut BTreeMap<String, Vec<String>> =
                    imports.entry(module.clone()).or_default();
                names.entry(name.clone()).or_insert(target);
            }
        }
    }
    krate.imports = imports;

    let mut edges = Vec::new();
    for (file, from, refs) in &parsed {
        for r in refs {
            let Some(path) = krate.absolute(from, r) else {
                continue;
            };
            let evidence = Evidence {
                file: file.to_string(),
                line: r.line,
                written: written(&r.segments),
                via_reexport: None,
            };
            let named = krate.resolve(&path, false, 0);
            let defined = krate.resolve(&path, true, 0);
            if named != *from {
                edges.push((from.clone(), named.clone(), evidence.clone()));
            }
            if defined != named && defined != *from {
                let via = Evidence {
                    via_reexport: Some(named),
                    ..evidence
                };
                edges.push((from.clone(), defined, via));
            }
        }
    }
    edges
}

// ---------------------------------------------------------------------------
// Cycles
// ---------------------------------------------------------------------------

/// One cycle among the children of `within`: `modules[0] -> modules[1] -> … -> modules[0]`.
#[derive(Debug)]
struct Cycle {
    within: ModPath,
    modules: Vec<ModPath>,
    /// Where each edge `modules[k] -> modules[k + 1]` (wrapping) was seen.
    edges: Vec<Evidence>,
}

impl Cycle {
    fn names(&self) -> Vec<String> {
        self.modules.iter().map(|m| show(m)).collect()
    }
}

/// The cycles among the children of one module.
#[derive(Debug)]
struct Group {
    within: ModPath,
    /// The sets of children that all reach each other, each with more than one member.
    tangles: Vec<Vec<ModPath>>,
    cycles: Vec<Cycle>,
    /// Whether the list stopped at [`MAX_CYCLES_PER_GROUP`] with cycles left out.
    truncated: bool,
}

/// Every set of mutually dependent siblings in `files`, with its elementary cycles.
fn find_cycles(files: &[(&str, &str)]) -> Vec<Group> {
    // Per common parent, one piece of evidence per edge between two of its children.
    type Graph = BTreeMap<ModPath, BTreeMap<ModPath, Evidence>>;
    let mut groups: BTreeMap<ModPath, Graph> = BTreeMap::new();
    for (from, to, evidence) in module_edges(files) {
        let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
        if common == from.len() || common == to.len() {
            // Between a module and its ancestor: allowed.
            continue;
        }
        let graph = groups.entry(from[..common].to_vec()).or_default();
        graph
            .entry(from[..=common].to_vec())
            .or_default()
            .entry(to[..=common].to_vec())
            .or_insert(evidence);
    }

    let mut found = Vec::new();
    for (within, graph) in groups {
        let tangles = tangles(&graph);
        if tangles.is_empty() {
            continue;
        }
        let mut cycles = Vec::new();
        let mut truncated = false;
        for tangle in &tangles {
            for start in tangle {
                let mut path = vec![start.clone()];
                elementary_cycles(&graph, tangle, &mut path, &mut cycles, &mut truncated);
            }
        }
        let cycles = cycles
            .into_iter()
            .map(|modules: Vec<ModPath>| {
                let edges = (0..modules.len())
                    .map(|k| graph[&modules[k]][&modules[(k + 1) % modules.len()]].clone())
                    .collect();
                Cycle {
                    within: within.clone(),
                    modules,
                    edges,
                }
            })
            .collect();
        found.push(Group {
            within,
            tangles,
            cycles,
            truncated,
        });
    }
    found
}

/// The strongly connected sets of more than one node.
fn tangles<E>(graph: &BTreeMap<ModPath, BTreeMap<ModPath, E>>) -> Vec<Vec<ModPath>> {
    let reach = |from: &ModPath| {
        let mut seen = BTreeSet::new();
        let mut todo = vec![from.clone()];
        while let Some(n) = todo.pop() {
            for next in graph.get(&n).into_iter().flat_map(|e| e.keys()) {
                if seen.insert(next.clone()) {
                    todo.push(next.clone());
                }
            }
        }
        seen
    };
    let reaches: BTreeMap<&ModPath, BTreeSet<ModPath>> =
        graph.keys().map(|n| (n, reach(n))).collect();
    let mut placed = BTreeSet::new();
    let mut sets = Vec::new();
    for (n, from_n) in &reaches {
        if placed.contains(*n) || !from_n.contains(*n) {
            continue;
        }
        let set: Vec<ModPath> = from_n
            .iter()
            .filter(|m| reaches.get(m).is_some_and(|r| r.contains(*n)))
            .cloned()
            .collect();
        if set.len() > 1 {
            placed.extend(set.iter().cloned());
            sets.push(set);
        }
    }
    sets
}

/// Push every cycle through `path[0]` whose other nodes sort after it and lie in `tangle`.
fn elementary_cycles<E>(
    graph: &BTreeMap<ModPath, BTreeMap<ModPath, E>>,
    tangle: &[ModPath],
    path: &mut Vec<ModPath>,
    out: &mut Vec<Vec<ModPath>>,
    truncated: &mut bool,
) {
    let start = path[0].clone();
    let last = path[path.len() - 1].clone();
    for next in graph.get(&last).into_iter().flat_map(|e| e.keys()) {
        if out.len() >= MAX_CYCLES_PER_GROUP {
            *truncated = true;
            return;
        }
        if *next == start {
            out.push(path.clone());
        } else if *next > start && tangle.contains(next) && !path.contains(next) {
            path.push(next.clone());
            elementary_cycles(graph, tangle, path, out, truncated);
            path.pop();
        }
    }
}

/// A report of `groups` for a failing test.
fn describe_cycles(groups: &[Group]) -> String {
    let total: usize = groups.iter().map(|g| g.cycles.len()).sum();
    let mut s = format!("daemon/src has module cycles ({total} listed):\n");
    for g in groups {
        let place = if g.within.is_empty() {
            "among the top-level modules".to_string()
        } else {
            format!("among the children of `{}`", show(&g.within))
        };
        let _ = writeln!(s, "\n{place}:");
        for tangle in &g.tangles {
            let names: Vec<String> = tangle.iter().map(|m| show(m)).collect();
            let _ = writeln!(s, "  all reach each other: {}", names.join(", "));
        }
        for c in &g.cycles {
            let mut names = c.names();
            names.push(names[0].clone());
            let _ = writeln!(s, "  {}", names.join(" -> "));
            for (k, e) in c.edges.iter().enumerate() {
                let _ = writeln!(
                    s,
                    "      {} -> {}: {}",
                    names[k],
                    names[k + 1],
                    e.describe()
                );
            }
        }
        if g.truncated {
            let _ = writeln!(s, "  … and more cycles, not listed");
        }
    }
    s
}

// ---------------------------------------------------------------------------
// Process-wide state
// ---------------------------------------------------------------------------

/// One line holding process-wide state.
#[derive(Debug, PartialEq, Eq)]
struct Finding {
    file: String,
    line: usize,
    what: Vec<&'static str>,
}

/// Every line of `files` holding a `static` item or a leak, lock or macro for process-wide state.
fn find_process_state(files: &[(&str, &str)]) -> Vec<Finding> {
    let mut sorted: Vec<(&str, &str)> = files.to_vec();
    sorted.sort();
    let mut found = Vec::new();
    for (file, text) in sorted {
        let tokens = code_tokens(text);
        let t = |i: usize| tok(&tokens, i);
        let mut by_line: BTreeMap<usize, Vec<&'static str>> = BTreeMap::new();
        for i in 0..tokens.len() {
            let line = tokens[i].line;
            let first_on_line = i == 0 || tokens[i - 1].line != line;
            if first_on_line {
                let mut j = i;
                if t(j) == "pub" {
                    j += 1;
                    if t(j) == "(" {
                        j = skip_group(&tokens, j);
                    }
                }
                if t(j) == "static" {
                    let what = if t(j + 1) == "mut" {
                        "static mut item"
                    } else {
                        "static item"
                    };
                    by_line.entry(line).or_default().push(what);
                }
            }
            let what = match (t(i), t(i + 1), t(i + 2)) {
                ("Box", "::", "leak") => Some("Box::leak"),
                ("Vec", "::", "leak") => Some("Vec::leak"),
                ("String", "::", "leak") => Some("String::leak"),
                (".", "leak", "(") => Some(".leak()"),
                ("OnceLock", _, _) => Some("OnceLock"),
                ("LazyLock", _, _) => Some("LazyLock"),
                ("lazy_static", "!", _) => Some("lazy_static!"),
                ("thread_local", "!", _) => Some("thread_local!"),
                _ => None,
            };
            if let Some(what) = what {
                let seen = by_line.entry(line).or_default();
                if !seen.contains(&what) {
                    seen.push(what);
                }
            }
        }
        found.extend(by_line.into_iter().map(|(line, what)| Finding {
            file: file.to_string(),
            line,
            what,
        }));
    }
    found
}

// ---------------------------------------------------------------------------
// The real tree
// ---------------------------------------------------------------------------

/// Every `.rs` file under `daemon/src`, as (path relative to `src/`, text).
fn daemon_sources() -> Vec<(String, String)> {
    fn walk(dir: &Path, root: &Path, out: &mut Vec<(String, String)>) {
        let entries = fs::read_dir(dir).unwrap_or_else(|e| panic!("read {}: {e}", dir.display()));
        for entry in entries {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                walk(&path, root, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path.strip_prefix(root).expect("under src");
                let rel: Vec<String> = rel
                    .iter()
                    .map(|c| c.to_string_lossy().into_owned())
                    .collect();
                let text = fs::read_to_string(&path)
                    .unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
                out.push((rel.join("/"), text));
            }
        }
    }
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    walk(&src, &src, &mut files);
    files.sort();
    assert!(
        files.iter().any(|(p, _)| p == "lib.rs"),
        "no lib.rs under {}: is this the daemon crate?",
        src.display()
    );
    files
}

fn as_pairs(files: &[(String, String)]) -> Vec<(&str, &str)> {
    files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect()
}

/// Top-level modules, and siblings inside each directory, never depend on each other in a cycle.
#[test]
fn daemon_src_has_no_module_cycles() {
    let files = daemon_sources();
    let groups = find_cycles(&as_pairs(&files));
    assert!(groups.is_empty(), "{}", describe_cycles(&groups));
}

/// No file of daemon/src keeps state for the whole process.
#[test]
fn daemon_src_has_no_process_wide_state() {
    let files = daemon_sources();
    let found = find_process_state(&as_pairs(&files));
    let mut report = format!(
        "daemon/src keeps process-wide state ({} lines):\n",
        found.len()
    );
    for f in &found {
        let _ = writeln!(report, "  src/{}:{}: {}", f.file, f.line, f.what.join(", "));
    }
    assert!(found.is_empty(), "{report}");
}

// ---------------------------------------------------------------------------
// The scanners find what they look for
// ---------------------------------------------------------------------------

fn cycle_names(groups: &[Group]) -> Vec<Vec<String>> {
    groups
        .iter()
        .flat_map(|g| &g.cycles)
        .map(|c| c.names())
        .collect()
}

/// A `use` one way and an expression path the other make a cycle, reported with both lines.
#[test]
fn self_test_two_modules_using_each_other_are_a_cycle() {
    let files = [
        ("lib.rs", "mod a;\nmod b;\n"),
        ("a.rs", "use crate::b::X;\npub fn y() {}\n"),
        ("b.rs", "pub struct X;\nfn f() {\n    crate::a::y();\n}\n"),
    ];
    let groups = find_cycles(&files);
    assert_eq!(cycle_names(&groups), [["a", "b"]]);
    let cycle = &groups[0].cycles[0];
    assert!(cycle.within.is_empty());
    assert_eq!(
        (cycle.edges[0].file.as_str(), cycle.edges[0].line),
        ("a.rs", 1)
    );
    assert_eq!(
        (cycle.edges[1].file.as_str(), cycle.edges[1].line),
        ("b.rs", 3)
    );
    let report = describe_cycles(&groups);
    assert!(report.contains("  a -> b -> a\n"), "{report}");
    assert!(
        report.contains("a -> b: src/a.rs:1 `crate::b::X`"),
        "{report}"
    );
}

/// Paths in comments, literals and `#[cfg(test)]` modules make no edges.
#[test]
fn self_test_comments_strings_and_test_modules_are_not_references() {
    let files = [
        ("a.rs", "use crate::b::X;\n"),
        (
            "b.rs",
            "//! See [`crate::a`].\n/* crate::a::y() /* nested */ crate::a */\n\
             const S: &str = \"crate::a::y\";\nconst R: &str = r#\"crate::a\"#;\nconst C: char = '\"';\n\
             #[cfg(test)]\nmod tests {\n    use crate::a::y;\n    fn f() { let _ = '{'; }\n}\n",
        ),
    ];
    assert!(find_cycles(&files).is_empty());
}

/// Nested `use` groups, `super::super::` and submodules collapse to top-level edges.
#[test]
fn self_test_grouped_uses_and_longer_cycles_are_found() {
    let files = [
        ("a/mod.rs", "use crate::{c, b::{self, Thing}};\n"),
        ("b.rs", "pub fn f() -> crate::c::deep::Deep { todo!() }\n"),
        ("c/mod.rs", "pub mod deep;\n"),
        ("c/deep.rs", "use super::super::a as x;\n"),
    ];
    let groups = find_cycles(&files);
    let names = cycle_names(&groups);
    assert!(
        names.contains(&vec!["a".into(), "b".into(), "c".into()]),
        "{names:?}"
    );
    assert!(names.contains(&vec!["a".into(), "c".into()]), "{names:?}");
}

/// Siblings in a directory can form a cycle; a parent and its children cannot.
#[test]
fn self_test_siblings_cycle_but_parents_and_children_do_not() {
    let files = [
        // The parent uses its children, and they use the parent's items: allowed.
        (
            "p/mod.rs",
            "mod q;\nmod r;\npub use q::Q;\npub struct Shared;\nfn f() { r::g(); }\n",
        ),
        (
            "p/q.rs",
            "use super::Shared;\nuse super::r::R;\npub struct Q;\n",
        ),
        (
            "p/r.rs",
            "use super::{Shared, q::Q};\npub struct R;\npub fn g() {}\n",
        ),
    ];
    let groups = find_cycles(&files);
    assert_eq!(cycle_names(&groups), [["p::q", "p::r"]]);
    assert_eq!(groups[0].within, ["p"]);
}

/// A name re-exported by an ancestor is a dependency on the module it comes from.
#[test]
fn self_test_edges_through_a_parents_reexports_are_followed() {
    let files = [
        // `crate::Daemon` is `a::Daemon`: `b` depends on `a`, not just on the root.
        ("lib.rs", "pub mod a;\npub mod b;\npub use a::Daemon;\n"),
        ("a.rs", "pub struct Daemon;\nfn f() { crate::b::run(); }\n"),
        ("b.rs", "pub fn run() { let _ = crate::Daemon; }\n"),
        // Inside `p`, `super::Q` is `p::q::Q`.
        ("p/mod.rs", "mod q;\nmod r;\npub use self::q::Q;\n"),
        ("p/q.rs", "pub struct Q;\nfn f() { super::r::g(); }\n"),
        ("p/r.rs", "pub fn g() { let _ = super::Q; }\n"),
    ];
    let groups = find_cycles(&files);
    assert_eq!(cycle_names(&groups), [["a", "b"], ["p::q", "p::r"]]);
    let via = groups[0].cycles[0].edges[1].describe();
    assert_eq!(via, "src/b.rs:1 `crate::Daemon` (through a `use` in crate)");
}

/// Statics (also in functions), leaks, once-locks and `thread_local!` are found; `const`,
/// `'static`, comments and test modules are not.
#[test]
fn self_test_statics_and_leaks_are_found_outside_test_modules() {
    let source = "use std::sync::Mutex;\n\
                  static X: Mutex<Vec<u8>> = Mutex::new(Vec::new());\n\
                  pub(crate) static mut Y: u8 = 0;\n\
                  const FINE: &'static str = \"static S: u8 = 0; OnceLock\";\n\
                  // static Z: u8 = 0; Box::leak\n\
                  fn f(s: String) -> &'static str {\n    \
                      static INNER: std::sync::OnceLock<u8> = std::sync::OnceLock::new();\n    \
                      Box::leak(s.into_boxed_str())\n\
                  }\n\
                  fn g<T: Send\n    + 'static>(v: Vec<u8>) -> &'static [u8] { v.leak() }\n\
                  thread_local! { static T: u8 = 0; }\n\
                  #[cfg(test)]\n\
                  mod tests {\n    \
                      static IN_TEST: std::sync::Mutex<u8> = std::sync::Mutex::new(0);\n    \
                      fn f() { let _ = Box::leak(Box::new(1)); }\n\
                  }\n";
    let found = find_process_state(&[("x.rs", source)]);
    let lines: Vec<(usize, Vec<&str>)> = found.iter().map(|f| (f.line, f.what.clone())).collect();
    assert_eq!(
        lines,
        [
            (2, vec!["static item"]),
            (3, vec!["static mut item"]),
            (7, vec!["static item", "OnceLock"]),
            (8, vec!["Box::leak"]),
            (11, vec![".leak()"]),
            (12, vec!["thread_local!"]),
        ]
    );
}

/// A `static` inside `#[cfg(test)] mod tests { }` is allowed.
#[test]
fn self_test_a_static_only_in_a_test_module_is_not_reported() {
    let source = "const A: u8 = 1;\n#[cfg(test)]\nmod tests {\n    static X: std::sync::Mutex<u8> = std::sync::Mutex::new(0);\n}\n";
    assert_eq!(find_process_state(&[("x.rs", source)]), []);
}
