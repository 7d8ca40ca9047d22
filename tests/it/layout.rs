//! The house rules of the source tree, checked on the source itself:
//! - no module uses one that uses it back (a parent's `mod.rs` counts as using the children it
//!   names, and a child as using its parent when it names `super::Item`), so every `mod.rs` is
//!   a facade and shared items live in a sibling;
//! - no file with more than 500 lines of code (its unit tests beside it not counted) without a
//!   reason at its top (`//! Long: ...`);
//! - every crate root and `mod.rs` has a `//!` layout section that names each child module;
//! - the layers: no two top-level folders use each other, directly or round a loop (so the
//!   folders stack as floors: domain, config, store, hotel, links, http and cli, app); the store
//!   and the domain import nothing from the operations, the links to the PBX and the PMS, the
//!   HTTP side, the CLI or the wiring of the service; the domain nothing from the store and no
//!   tokio.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

type Module = Vec<String>;

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// `src/a/b.rs` -> ["a", "b"]; `src/a/mod.rs` -> ["a"]; `src/lib.rs` -> [].
fn module_of(root: &Path, file: &Path) -> Option<Module> {
    let rel = file.strip_prefix(root).ok()?.with_extension("");
    let mut parts: Module = rel.iter().map(|s| s.to_string_lossy().into_owned()).collect();
    match parts.last().map(String::as_str) {
        Some("main") if parts.len() == 1 => return None,
        Some("lib") | Some("mod") => {
            parts.pop();
        }
        _ => {}
    }
    Some(parts)
}

/// The code without tests (they sit at the end, behind `#[cfg(test)]`) and comments.
fn code(text: &str) -> String {
    let text = text.split("#[cfg(test)]").next().unwrap_or("");
    text.lines().map(|l| l.split("//").next().unwrap_or("")).collect::<Vec<_>>().join("\n")
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Reads `a::b::C` at the start of `s`: its segments.
fn path_at(s: &str) -> Vec<String> {
    let mut segs = Vec::new();
    let mut rest = s.trim_start();
    loop {
        let end = rest.find(|c: char| !is_ident(c)).unwrap_or(rest.len());
        if end == 0 {
            break;
        }
        segs.push(rest[..end].to_string());
        rest = &rest[end..];
        match rest.strip_prefix("::") {
            Some(r) if !r.starts_with('{') => rest = r,
            _ => break,
        }
    }
    segs
}

/// The paths a `{a, b::c, d::{e}}` group names, relative to the group's prefix.
fn group_paths(s: &str) -> Vec<Vec<String>> {
    let (mut depth, mut start, mut out) = (0, 1, Vec::new());
    for (i, c) in s.char_indices() {
        match c {
            '{' => depth += 1,
            '}' | ',' if depth == 1 => {
                out.push(path_at(&s[start..i]));
                start = i + 1;
                if c == '}' {
                    break;
                }
            }
            '}' => depth -= 1,
            _ => {}
        }
    }
    out
}

/// Every module path `src` names through `crate::` or `super::`.
fn named_paths(m: &Module, src: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for (i, _) in src.match_indices("::") {
        let before = &src[..i];
        let word_start = before.rfind(|c: char| !is_ident(c)).map_or(0, |j| j + 1);
        let word = &before[word_start..];
        if !(word == "crate" || word == "super") || before[..word_start].ends_with("::") {
            continue;
        }
        // Count `super::super::...` as a whole.
        let mut base: Module = if word == "crate" { Vec::new() } else { m[..m.len().saturating_sub(1)].to_vec() };
        let mut rest = &src[i + 2..];
        while let Some(r) = rest.strip_prefix("super::") {
            base.pop();
            rest = r;
        }
        let prefix = path_at(rest);
        let after: &str = {
            let mut r = rest;
            for seg in &prefix {
                r = r.trim_start().strip_prefix(seg.as_str()).unwrap_or(r);
                r = r.strip_prefix("::").unwrap_or(r);
            }
            r
        };
        let mut full = base.clone();
        full.extend(prefix);
        if after.starts_with('{') {
            for p in group_paths(after) {
                let mut q = full.clone();
                q.extend(p);
                out.push(q);
            }
        } else {
            out.push(full);
        }
    }
    out
}

/// The names a module re-exports (`pub use child::Name;`), each with the path it stands for.
fn reexports(m: &Module, src: &str) -> BTreeMap<String, Vec<String>> {
    let mut out = BTreeMap::new();
    for (i, _) in src.match_indices("pub use ") {
        let stmt = &src[i + "pub use ".len()..];
        let stmt = &stmt[..stmt.find(';').unwrap_or(stmt.len())];
        let (base, rest): (Module, &str) = if let Some(r) = stmt.strip_prefix("crate::") {
            (Vec::new(), r)
        } else if let Some(r) = stmt.strip_prefix("super::") {
            (m[..m.len().saturating_sub(1)].to_vec(), r)
        } else {
            (m.clone(), stmt.strip_prefix("self::").unwrap_or(stmt))
        };
        let prefix = path_at(rest);
        let brace = rest.find('{');
        let items: Vec<(Vec<String>, String)> = match brace {
            Some(b) => group_paths(&rest[b..])
                .into_iter()
                .zip(rest[b..].trim_matches(|c| c == '{' || c == '}').split(','))
                .map(|(p, text)| (p, text.to_string()))
                .collect(),
            None => vec![(Vec::new(), rest.to_string())],
        };
        for (p, text) in items {
            let mut full = base.clone();
            full.extend(prefix.iter().cloned());
            full.extend(p);
            let alias = text.split(" as ").nth(1).map(|a| a.trim().to_string());
            if let Some(name) = alias.or_else(|| full.last().cloned()) {
                out.insert(name, full);
            }
        }
    }
    out
}

fn graph(root: &Path) -> (BTreeMap<Module, BTreeSet<Module>>, BTreeMap<Module, String>) {
    let mut files = Vec::new();
    rust_files(root, &mut files);
    let sources: BTreeMap<Module, String> =
        files.iter().filter_map(|f| Some((module_of(root, f)?, std::fs::read_to_string(f).unwrap()))).collect();
    let exported: BTreeMap<Module, BTreeMap<String, Vec<String>>> =
        sources.iter().map(|(m, t)| (m.clone(), reexports(m, &code(t)))).collect();
    // The module a path lands in, seeing through re-exports (`crate::Message` is `message`).
    let resolve = |path: &[String]| -> Module {
        let mut path = path.to_vec();
        for _ in 0..8 {
            let k = (0..=path.len()).rev().find(|k| sources.contains_key(&path[..*k])).unwrap_or(0);
            let module = path[..k].to_vec();
            match path.get(k).and_then(|next| exported.get(&module)?.get(next)) {
                Some(target) if target.as_slice() != path.as_slice() => path = target.clone(),
                _ => return module,
            }
        }
        Vec::new()
    };
    let mut edges = BTreeMap::new();
    for (m, text) in &sources {
        let src = code(text);
        let mut to: BTreeSet<Module> = named_paths(m, &src).iter().map(|p| resolve(p)).collect();
        for child in sources.keys().filter(|c| c.len() == m.len() + 1 && c.starts_with(m)) {
            let name = format!("{}::", child.last().unwrap());
            let named = src.match_indices(&name).any(|(i, _)| {
                let prev = src[..i].chars().next_back();
                !prev.is_some_and(|c| is_ident(c) || c == ':')
            });
            if named {
                to.insert(child.clone());
            }
        }
        to.remove(m);
        edges.insert(m.clone(), to);
    }
    (edges, sources)
}

/// Strongly connected groups of more than one module (Tarjan).
fn cycles(edges: &BTreeMap<Module, BTreeSet<Module>>) -> Vec<Vec<Module>> {
    struct T<'a> {
        edges: &'a BTreeMap<Module, BTreeSet<Module>>,
        index: BTreeMap<Module, usize>,
        low: BTreeMap<Module, usize>,
        stack: Vec<Module>,
        out: Vec<Vec<Module>>,
    }
    fn visit(t: &mut T, v: &Module) {
        let i = t.index.len();
        t.index.insert(v.clone(), i);
        t.low.insert(v.clone(), i);
        t.stack.push(v.clone());
        for w in t.edges.get(v).into_iter().flatten() {
            if !t.index.contains_key(w) {
                visit(t, w);
                let l = t.low[w].min(t.low[v]);
                t.low.insert(v.clone(), l);
            } else if t.stack.contains(w) {
                let l = t.index[w].min(t.low[v]);
                t.low.insert(v.clone(), l);
            }
        }
        if t.low[v] == t.index[v] {
            let mut group = Vec::new();
            while let Some(w) = t.stack.pop() {
                let done = &w == v;
                group.push(w);
                if done {
                    break;
                }
            }
            if group.len() > 1 {
                t.out.push(group);
            }
        }
    }
    let mut t = T { edges, index: BTreeMap::new(), low: BTreeMap::new(), stack: Vec::new(), out: Vec::new() };
    for v in edges.keys() {
        if !t.index.contains_key(v) {
            visit(&mut t, v);
        }
    }
    t.out
}

fn roots() -> Vec<PathBuf> {
    let top = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    ["src", "drivers/fias/src", "drivers/neax/src", "drivers/mitel/src", "drivers/pbx-sim/src"]
        .iter()
        .map(|d| top.join(d))
        .collect()
}

fn name(m: &Module) -> String {
    if m.is_empty() {
        "crate".into()
    } else {
        m.join("::")
    }
}

#[test]
fn no_module_uses_one_that_uses_it_back() {
    for root in roots() {
        let (edges, _) = graph(&root);
        let found: Vec<String> = cycles(&edges)
            .iter()
            .map(|g| {
                let links: Vec<String> = g
                    .iter()
                    .flat_map(|a| {
                        edges[a].iter().filter(|b| g.contains(b)).map(move |b| format!("{} -> {}", name(a), name(b)))
                    })
                    .collect();
                links.join(", ")
            })
            .collect();
        assert!(found.is_empty(), "module cycles in {}:\n{}", root.display(), found.join("\n"));
    }
}

/// The top-level modules the store and the domain stand below.
const ABOVE: &[&str] = &["hotel", "links", "http", "cli", "app"];

/// Uses that break the layers: the store or the domain importing from above them; the domain
/// importing the store or using tokio.
fn layer_violations(edges: &BTreeMap<Module, BTreeSet<Module>>, sources: &BTreeMap<Module, String>) -> Vec<String> {
    let top = |m: &Module| m.first().cloned().unwrap_or_default();
    let mut out = Vec::new();
    for (m, to) in edges {
        let layer = top(m);
        if layer != "store" && layer != "domain" {
            continue;
        }
        for t in to {
            let above = ABOVE.contains(&top(t).as_str()) || (layer == "domain" && top(t) == "store");
            if above {
                out.push(format!("{} -> {}", name(m), name(t)));
            }
        }
        if layer == "domain" && code(&sources[m]).contains("tokio") {
            out.push(format!("{} uses tokio", name(m)));
        }
    }
    out
}

#[test]
fn the_store_and_the_domain_stand_below_the_links_and_http() {
    let (edges, sources) = graph(&roots()[0]);
    let found = layer_violations(&edges, &sources);
    assert!(found.is_empty(), "uses across the layers:\n{}", found.join("\n"));
}

/// The graph between top-level modules (`crate::hotel::desk` counts as `hotel`), each edge with
/// the uses that make it.
fn folders(edges: &BTreeMap<Module, BTreeSet<Module>>) -> BTreeMap<Module, BTreeMap<Module, Vec<String>>> {
    let top = |m: &Module| m.first().cloned().into_iter().collect::<Module>();
    let mut out: BTreeMap<Module, BTreeMap<Module, Vec<String>>> = BTreeMap::new();
    for (a, to) in edges {
        for b in to.iter().filter(|b| top(b) != top(a) && !b.is_empty()) {
            out.entry(top(a)).or_default().entry(top(b)).or_default().push(format!("{} -> {}", name(a), name(b)));
        }
    }
    out
}

fn folder_cycles(edges: &BTreeMap<Module, BTreeSet<Module>>) -> Vec<String> {
    let uses = folders(edges);
    let graph = uses.iter().map(|(a, to)| (a.clone(), to.keys().cloned().collect())).collect();
    cycles(&graph)
        .iter()
        .map(|g| {
            let links: Vec<String> = g
                .iter()
                .flat_map(|a| uses[a].iter().filter(|(b, _)| g.contains(b)).map(|(_, why)| why.join(", ")))
                .collect();
            links.join("; ")
        })
        .collect()
}

#[test]
fn no_two_top_level_folders_use_each_other() {
    let (edges, _) = graph(&roots()[0]);
    let found = folder_cycles(&edges);
    assert!(found.is_empty(), "top-level folders in a loop:\n{}", found.join("\n"));
}

#[test]
fn the_checker_sees_a_folder_loop_when_there_is_one() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path();
    std::fs::create_dir(src.join("hotel")).unwrap();
    std::fs::create_dir(src.join("links")).unwrap();
    std::fs::write(src.join("lib.rs"), "//! x\nmod hotel;\nmod links;\n").unwrap();
    std::fs::write(src.join("hotel/mod.rs"), "//! x\nmod desk;\nmod wakeup;\n").unwrap();
    std::fs::write(src.join("hotel/desk.rs"), "pub struct Desk;\n").unwrap();
    std::fs::write(src.join("hotel/wakeup.rs"), "use crate::links::pbx::LinkStatus;\n").unwrap();
    std::fs::write(src.join("links/mod.rs"), "//! x\nmod pbx;\n").unwrap();
    std::fs::write(src.join("links/pbx.rs"), "use crate::hotel::desk::Desk;\npub struct LinkStatus;\n").unwrap();
    let (edges, _) = graph(src);
    assert!(cycles(&edges).is_empty(), "no module cycle: only the folders loop");
    let found = folder_cycles(&edges);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].contains("hotel::wakeup -> links::pbx") && found[0].contains("links::pbx -> hotel::desk"));
}

#[test]
fn the_checker_sees_a_layer_broken_when_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path();
    std::fs::create_dir(src.join("store")).unwrap();
    std::fs::create_dir(src.join("domain")).unwrap();
    std::fs::write(src.join("lib.rs"), "//! x\nmod store;\nmod domain;\nmod links;\n").unwrap();
    std::fs::write(src.join("links.rs"), "pub struct Command;\n").unwrap();
    std::fs::write(src.join("store/mod.rs"), "mod rows;\n").unwrap();
    std::fs::write(src.join("store/rows.rs"), "use crate::links::Command;\n").unwrap();
    std::fs::write(src.join("domain/mod.rs"), "mod event;\n").unwrap();
    std::fs::write(src.join("domain/event.rs"), "use crate::store::rows;\nfn f() { tokio::spawn(); }\n").unwrap();
    let (edges, sources) = graph(src);
    let found: BTreeSet<String> = layer_violations(&edges, &sources).into_iter().collect();
    let want = ["domain::event -> store::rows", "domain::event uses tokio", "store::rows -> links"];
    assert_eq!(found, want.iter().map(|s| s.to_string()).collect(), "{edges:?}");
}

#[test]
fn the_checker_sees_a_cycle_when_there_is_one() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path();
    std::fs::create_dir(src.join("a")).unwrap();
    std::fs::write(src.join("lib.rs"), "//! x\nmod a;\nmod b;\n").unwrap();
    std::fs::write(src.join("a/mod.rs"), "mod c;\npub use c::Thing;\npub struct Shared;\n").unwrap();
    std::fs::write(src.join("a/c.rs"), "use super::Shared;\npub struct Thing;\n").unwrap();
    std::fs::write(src.join("b.rs"), "use crate::{a::Thing, b};\nfn f() { crate::a::c::Thing; }\n").unwrap();
    std::fs::write(src.join("d.rs"), "use crate::a::Thing;\n").unwrap();
    let (edges, _) = graph(src);
    let found = cycles(&edges);
    assert_eq!(found.len(), 1, "{edges:?}");
    assert_eq!(found[0].iter().map(name).collect::<BTreeSet<_>>(), BTreeSet::from(["a".into(), "a::c".into()]));
    assert!(edges[&vec!["b".to_string()]].contains(&vec!["a".to_string(), "c".to_string()]));
    assert_eq!(
        edges[&vec!["d".to_string()]],
        BTreeSet::from([vec!["a".to_string(), "c".to_string()]]),
        "seen through the re-export"
    );
}

#[test]
fn long_files_say_why_and_facades_list_their_modules() {
    let mut problems = Vec::new();
    for root in roots() {
        let (_, sources) = graph(&root);
        for (m, text) in &sources {
            let lines = text.split("#[cfg(test)]").next().unwrap_or("").lines().count();
            let head: String = text.lines().take_while(|l| l.starts_with("//")).collect::<Vec<_>>().join("\n");
            if lines > 500 && !head.contains("Long:") {
                problems.push(format!("{} has {lines} lines of code and no `//! Long: ...` reason", name(m)));
            }
            for child in sources.keys().filter(|c| c.len() == m.len() + 1 && c.starts_with(m)) {
                let child_name = child.last().unwrap();
                if !head.contains(&format!("`{child_name}`")) && !head.contains(&format!("[`{child_name}`]")) {
                    problems.push(format!("{}'s layout section does not name `{child_name}`", name(m)));
                }
            }
        }
    }
    // Tests and benches are held to the same length.
    let top = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ["tests", "benches", "drivers/fias/tests"] {
        if top.join(dir).exists() {
            rust_files(&top.join(dir), &mut files);
        }
    }
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        let lines = text.split("#[cfg(test)]").next().unwrap_or("").lines().count();
        let head: String = text.lines().take_while(|l| l.starts_with("//")).collect::<Vec<_>>().join("\n");
        if lines > 500 && !head.contains("Long:") {
            problems.push(format!("{} has {lines} lines and no `//! Long: ...` reason", f.display()));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
