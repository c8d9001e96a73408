//! A proptest generator of compose documents in the styles real files use.
//!
//! A [`Doc`] is a small model of a compose file; [`Doc::render`] writes it out with the
//! layout choices that the model carries: 2, 4 or mixed indentation per level, indented or
//! flush sequences, comments between keys, after values and at the end of mappings, blank
//! lines, quoted keys and values, flow mappings for services and for `deploy`, an anchored
//! `x-` block merged with `<<`, block scalars, existing limits in either or both forms,
//! partial and null `deploy` blocks, CRLF or LF, a BOM, non-ASCII comments, and a final
//! newline or not.

use proptest::prelude::*;

/// What the generated documents may contain.
#[derive(Clone, Copy, Debug)]
pub struct Allow {
    /// Existing `mem_limit`/`mem_reservation`/`deploy…memory` values (in services or anchors).
    pub managed: bool,
    /// `deploy:` / `deploy: ~`, which apply turns into a mapping and strip then removes.
    pub null_deploy: bool,
}

/// A size as written in a file.
#[derive(Clone, Debug)]
pub struct Size {
    /// The YAML text of the value.
    pub yaml: String,
}

impl Size {
    /// The value inside a flow mapping, where `{` and `}` of a plain `${…}` would be syntax.
    pub fn in_flow(&self) -> String {
        if self.yaml.starts_with('$') {
            format!("\"{}\"", self.yaml)
        } else {
            self.yaml.clone()
        }
    }
}

fn size_value(deploy: bool) -> impl Strategy<Value = Size> {
    let texts = prop_oneof![
        Just("1g"),
        Just("512m"),
        Just("64m"),
        Just("2048M"),
        Just("100m"),
        Just("32m"),
    ];
    (texts, 0..6usize).prop_map(move |(t, form)| {
        let yaml = match form {
            0 => t.to_string(),
            1 => format!("\"{t}\""),
            2 => format!("'{t}'"),
            // A YAML integer: bytes (Compose rejects it in deploy; apply rewrites it).
            3 if !deploy => limitctl::size::MemSize::parse(t)
                .map(|s| s.bytes().to_string())
                .unwrap_or_else(|_| t.to_string()),
            4 => format!("${{MEM_{}:-{t}}}", if deploy { "D" } else { "S" }),
            5 => format!("\"${{MEM:-{t}}}\""),
            _ => t.to_string(),
        };
        Size { yaml }
    })
}

/// A key, quoted or not.
#[derive(Clone, Debug)]
pub struct Key {
    quote: u8,
}

impl Key {
    fn show(&self, k: &str) -> String {
        match self.quote {
            1 => format!("\"{k}\""),
            2 => format!("'{k}'"),
            _ => k.to_string(),
        }
    }
}

fn key() -> impl Strategy<Value = Key> {
    prop_oneof![6 => Just(0u8), 1 => Just(1u8), 1 => Just(2u8)].prop_map(|quote| Key { quote })
}

/// Comments, with non-ASCII text.
fn comment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("# note".to_string()),
        Just("# café — ☕ 日本語".to_string()),
        Just("#no space".to_string()),
        Just("# mem_limit: 1g  (commented out)".to_string()),
        Just("# Ünïcödé: ✓".to_string()),
    ]
}

/// A `limits:` or `reservations:` block.
#[derive(Clone, Debug)]
pub enum Block {
    /// Written as a block mapping (`cpus`, `memory` optional, `devices` for reservations).
    Entries {
        /// `cpus: '0.5'`.
        cpus: bool,
        /// `memory: …`.
        memory: Option<Size>,
        /// A trailing comment line at the end of the block.
        end_comment: Option<String>,
    },
    /// `{cpus: '0.5'}` or `{memory: 1g}`.
    Flow {
        /// `cpus: '0.5'`.
        cpus: bool,
        /// `memory: …`.
        memory: Option<Size>,
    },
}

fn block(allow: Allow) -> impl Strategy<Value = Block> {
    let memory = move || {
        if allow.managed {
            proptest::option::weighted(0.5, size_value(true)).boxed()
        } else {
            Just(None).boxed()
        }
    };
    prop_oneof![
        3 => (any::<bool>(), memory(), proptest::option::weighted(0.3, comment())).prop_map(
            |(cpus, memory, end_comment)| Block::Entries {
                cpus: cpus || memory.is_none(),
                memory,
                end_comment
            }
        ),
        1 => (any::<bool>(), memory()).prop_map(|(cpus, memory)| Block::Flow {
            cpus: cpus || memory.is_none(),
            memory
        }),
    ]
}

/// A `deploy:` value.
#[derive(Clone, Debug)]
pub enum Deploy {
    /// `deploy:` (empty) or `deploy: ~`.
    Null(bool),
    /// A block mapping.
    Entries {
        /// `replicas: 2` first.
        replicas: bool,
        /// `resources:` with its blocks.
        resources: Option<(Option<Block>, Option<Block>)>,
        /// `restart_policy:` nested block after resources.
        restart_policy: bool,
    },
    /// `deploy: {…}` on one line.
    Flow {
        /// `replicas: 1`.
        replicas: bool,
        /// `resources: {limits: {…}}`.
        limits: Option<Block>,
    },
}

fn deploy(allow: Allow) -> impl Strategy<Value = Deploy> {
    let null = if allow.null_deploy {
        any::<bool>().prop_map(Deploy::Null).boxed()
    } else {
        Just(Deploy::Entries {
            replicas: true,
            resources: None,
            restart_policy: false,
        })
        .boxed()
    };
    let resources = (
        proptest::option::of(block(allow)),
        proptest::option::of(block(allow)),
    )
        .prop_filter("resources needs a block", |(l, r)| {
            l.is_some() || r.is_some()
        });
    prop_oneof![
        1 => null,
        4 => (any::<bool>(), proptest::option::of(resources), any::<bool>()).prop_map(
            |(replicas, resources, restart_policy)| Deploy::Entries {
                replicas: replicas || (resources.is_none() && !restart_policy),
                resources,
                restart_policy,
            }
        ),
        2 => (any::<bool>(), proptest::option::of(block(allow))).prop_map(|(replicas, limits)| {
            Deploy::Flow {
                replicas: replicas || limits.is_none(),
                limits,
            }
        }),
    ]
}

/// One entry of a block service.
#[derive(Clone, Debug)]
pub enum Item {
    /// `image: …` (every service has one, so strip never empties a service).
    Image(Key, u8),
    /// `restart: unless-stopped`, maybe with a trailing comment.
    Restart(Option<String>),
    /// `ports:` and a sequence.
    Ports(usize),
    /// `environment:` mapping.
    Environment,
    /// `command: |` / `>-` / `|+` block scalar.
    Command(&'static str, bool),
    /// `healthcheck:` with a flow sequence.
    Healthcheck,
    /// `mem_limit: …`.
    MemLimit(Key, Size),
    /// `mem_reservation: …`.
    MemReservation(Key, Size),
    /// `deploy: …`.
    Deploy(Deploy),
    /// A comment line; `true` puts it in column 0.
    Comment(String, bool),
    /// An empty line (or one of spaces only).
    Blank(bool),
}

fn item(allow: Allow) -> impl Strategy<Value = Item> {
    let managed = if allow.managed { 2 } else { 0 };
    prop_oneof![
        2 => comment().prop_flat_map(|c| proptest::option::weighted(0.5, Just(c))).prop_map(Item::Restart),
        1 => (1..3usize).prop_map(Item::Ports),
        1 => Just(Item::Environment),
        1 => (prop_oneof![Just("|"), Just(">"), Just("|-"), Just(">-"), Just("|+")], any::<bool>())
            .prop_map(|(h, blank)| Item::Command(h, blank)),
        1 => Just(Item::Healthcheck),
        managed => (key(), size_value(false)).prop_map(|(k, s)| Item::MemLimit(k, s)),
        managed => (key(), size_value(false)).prop_map(|(k, s)| Item::MemReservation(k, s)),
        2 => deploy(allow).prop_map(Item::Deploy),
        2 => (comment(), any::<bool>()).prop_map(|(c, col0)| Item::Comment(c, col0)),
        1 => any::<bool>().prop_map(Item::Blank),
    ]
}

/// A service.
#[derive(Clone, Debug)]
pub struct Service {
    /// Its name.
    pub name: String,
    /// How its key is quoted.
    pub key: Key,
    /// 0: no merge; 1: `<<: *common`; 2: `<<: [*common, *extra]`; 3: `<<: *common` and
    /// `logging: *logging` (an alias as a plain value).
    pub merge: u8,
    /// Written as `{image: …, …}` on one line.
    pub flow: bool,
    /// Entries in order (for flow services only image/restart/mem_limit/deploy are used).
    pub items: Vec<Item>,
}

/// A compose document with its layout.
#[derive(Clone, Debug)]
pub struct Doc {
    /// Indentation step per depth (0 = services' children).
    pub steps: [usize; 6],
    /// `- item` indented under its key, or flush with it.
    pub seq_indented: bool,
    /// `"\r\n"` or `"\n"`.
    pub crlf: bool,
    /// A UTF-8 BOM first.
    pub bom: bool,
    /// The text ends with a newline.
    pub final_newline: bool,
    /// A comment before everything.
    pub header: Option<String>,
    /// `version: "3.8"` first.
    pub version: bool,
    /// `x-common: &common` with restart/logging (and, when allowed, a limit).
    pub anchor: Option<Option<Size>>,
    /// The services.
    pub services: Vec<Service>,
    /// A comment line after the last service, at service indentation.
    pub services_end_comment: Option<String>,
    /// `volumes:` after the services.
    pub volumes: bool,
    /// `"services":` instead of `services:`.
    pub quoted_services_key: bool,
}

const NAMES: [&str; 6] = ["web", "db", "cache", "worker", "proxy", "api-gateway"];

fn service(name: &'static str, allow: Allow, anchored: bool) -> impl Strategy<Value = Service> {
    (
        key(),
        0..4u8,
        prop_oneof![4 => Just(false), 1 => Just(true)],
        prop::collection::vec(item(allow), 0..7),
        0..3u8,
    )
        .prop_map(move |(key, merge, flow, mut items, image_quote)| {
            // Every service has an image, at a random place among its keys.
            let at = items.len() / 2;
            items.insert(at, Item::Image(key.clone(), image_quote));
            Service {
                name: name.to_string(),
                key,
                merge: if anchored { merge } else { 0 },
                flow,
                items,
            }
        })
}

/// Documents allowed by `allow`.
pub fn doc(allow: Allow) -> impl Strategy<Value = Doc> {
    let steps = prop_oneof![
        Just([2usize; 6]).boxed(),
        Just([4usize; 6]).boxed(),
        prop::array::uniform6(prop_oneof![Just(2usize), Just(4usize), Just(3usize)]).boxed(),
    ];
    let anchor = if allow.managed {
        proptest::option::of(proptest::option::weighted(0.5, size_value(false))).boxed()
    } else {
        proptest::option::of(Just(None)).boxed()
    };
    (
        steps,
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        prop_oneof![3 => Just(true), 1 => Just(false)],
        proptest::option::of(comment()),
        any::<bool>(),
        anchor,
        prop::sample::subsequence(NAMES.to_vec(), 1..4),
        proptest::option::weighted(0.3, comment()),
        any::<bool>(),
        prop_oneof![5 => Just(false), 1 => Just(true)],
    )
        .prop_flat_map(
            move |(
                steps,
                seq_indented,
                crlf,
                bom,
                final_newline,
                header,
                version,
                anchor,
                names,
                services_end_comment,
                volumes,
                quoted_services_key,
            )| {
                let anchored = anchor.is_some();
                let services: Vec<_> = names
                    .into_iter()
                    .map(|n| service(n, allow, anchored))
                    .collect();
                services.prop_map(move |services| Doc {
                    steps,
                    seq_indented,
                    crlf,
                    bom,
                    final_newline,
                    header: header.clone(),
                    version,
                    anchor: anchor.clone(),
                    services,
                    services_end_comment: services_end_comment.clone(),
                    volumes,
                    quoted_services_key,
                })
            },
        )
}

struct Out {
    lines: Vec<String>,
    comments: usize,
}

impl Out {
    /// Add a line. Every comment gets a number, so that no two lines of a document are the
    /// same comment: the line-diff oracle could otherwise match a kept comment with a removed
    /// twin and blame the engine for the wrong one.
    fn line(&mut self, indent: usize, text: impl AsRef<str>) {
        let mut text = text.as_ref().to_string();
        if text.starts_with('#') || text.contains("  #") {
            self.comments += 1;
            text.push_str(&format!(" {}", self.comments));
        }
        self.lines.push(format!("{}{text}", " ".repeat(indent)));
    }
}

fn block_flow(b: &Block) -> String {
    let (cpus, memory) = match b {
        Block::Entries { cpus, memory, .. } | Block::Flow { cpus, memory } => (cpus, memory),
    };
    let mut parts = Vec::new();
    if *cpus {
        parts.push("cpus: '0.5'".to_string());
    }
    if let Some(m) = memory {
        parts.push(format!("memory: {}", m.in_flow()));
    }
    format!("{{{}}}", parts.join(", "))
}

impl Doc {
    /// The text of the document.
    pub fn render(&self) -> String {
        let mut out = Out {
            lines: Vec::new(),
            comments: 0,
        };
        let s = self.steps;
        if let Some(h) = &self.header {
            out.line(0, h);
        }
        if self.version {
            out.line(0, "version: \"3.8\"");
            out.line(0, "");
        }
        if let Some(limit) = &self.anchor {
            out.line(
                0,
                "x-logging: &logging {driver: local, options: {max-size: 10m}}",
            );
            out.line(0, "x-extra: &extra");
            out.line(s[0], "labels: [\"tier=app\"]");
            out.line(0, "x-common: &common");
            out.line(s[0], "restart: unless-stopped");
            out.line(s[0], "logging:");
            out.line(s[0] + s[1], "driver: json-file  # ☃");
            if let Some(limit) = limit {
                out.line(s[0], format!("mem_limit: {}", limit.yaml));
            }
            out.line(0, "");
        }
        out.line(
            0,
            if self.quoted_services_key {
                "\"services\":"
            } else {
                "services:"
            },
        );
        for (i, svc) in self.services.iter().enumerate() {
            if i > 0 && i % 2 == 0 {
                out.line(0, "");
            }
            self.service(&mut out, svc);
        }
        if let Some(c) = &self.services_end_comment {
            out.line(s[0], c);
        }
        if self.volumes {
            out.line(0, "volumes:");
            out.line(s[0], "data: {}");
        }
        let nl = if self.crlf { "\r\n" } else { "\n" };
        let mut text = out.lines.join(nl);
        if self.final_newline {
            text.push_str(nl);
        }
        if self.bom {
            text.insert(0, '\u{feff}');
        }
        text
    }

    fn service(&self, out: &mut Out, svc: &Service) {
        let s = self.steps;
        let ind = s[0];
        let name = svc.key.show(&svc.name);
        if svc.flow {
            let mut parts = Vec::new();
            match svc.merge {
                1 => parts.push("<<: *common".to_string()),
                2 => parts.push("<<: [*common, *extra]".to_string()),
                3 => parts.push("<<: *common, logging: *logging".to_string()),
                _ => {}
            }
            for item in &svc.items {
                match item {
                    Item::Image(k, q) => parts.push(format!("{}: {}", k.show("image"), image(*q))),
                    Item::Restart(_) => parts.push("restart: always".into()),
                    Item::MemLimit(k, v) => {
                        parts.push(format!("{}: {}", k.show("mem_limit"), v.in_flow()))
                    }
                    Item::MemReservation(k, v) => {
                        parts.push(format!("{}: {}", k.show("mem_reservation"), v.in_flow()))
                    }
                    Item::Deploy(Deploy::Flow { replicas, limits }) => {
                        parts.push(flow_deploy(*replicas, limits.as_ref()))
                    }
                    Item::Healthcheck => {
                        parts.push("healthcheck: {test: [\"CMD\", \"true\"]}".into())
                    }
                    _ => {}
                }
            }
            dedup_keys(&mut parts);
            out.line(ind, format!("{name}: {{{}}}", parts.join(", ")));
            return;
        }
        out.line(ind, format!("{name}:"));
        let ind = ind + s[1];
        match svc.merge {
            1 => out.line(ind, "<<: *common"),
            2 => out.line(ind, "<<: [*common, *extra]"),
            3 => {
                out.line(ind, "<<: *common");
                out.line(ind, "logging: *logging");
            }
            _ => {}
        }
        let mut seen = Vec::new();
        for item in &svc.items {
            // A key twice in one mapping is invalid YAML: keep the first.
            let key = match item {
                Item::Image(..) => Some("image"),
                Item::Restart(_) => Some("restart"),
                Item::Ports(_) => Some("ports"),
                Item::Environment => Some("environment"),
                Item::Command(..) => Some("command"),
                Item::Healthcheck => Some("healthcheck"),
                Item::MemLimit(..) => Some("mem_limit"),
                Item::MemReservation(..) => Some("mem_reservation"),
                Item::Deploy(_) => Some("deploy"),
                Item::Comment(..) | Item::Blank(_) => None,
            };
            if let Some(key) = key {
                if seen.contains(&key) {
                    continue;
                }
                seen.push(key);
            }
            self.item(out, ind, item);
        }
    }

    fn item(&self, out: &mut Out, ind: usize, item: &Item) {
        let s = self.steps;
        let seq = if self.seq_indented { s[2] } else { 0 };
        match item {
            Item::Image(k, q) => out.line(ind, format!("{}: {}", k.show("image"), image(*q))),
            Item::Restart(c) => match c {
                Some(c) => out.line(ind, format!("restart: on-failure  {c}")),
                None => out.line(ind, "restart: on-failure"),
            },
            Item::Ports(n) => {
                out.line(ind, "ports:");
                for p in 0..*n {
                    out.line(ind + seq, format!("- \"80{p}:80\""));
                }
            }
            Item::Environment => {
                out.line(ind, "environment:");
                out.line(ind + s[2], "TZ: Europe/Zürich");
                out.line(ind + s[2], "MEMORY_NOTE: \"the app's own setting\"");
            }
            Item::Command(header, blank) => {
                out.line(ind, format!("command: {header}"));
                out.line(ind + s[2], "echo start");
                out.line(ind + s[2], "exec app --mem_limit=1g");
                if *blank {
                    out.line(0, "");
                }
            }
            Item::Healthcheck => {
                out.line(ind, "healthcheck:");
                out.line(
                    ind + s[2],
                    "test: [\"CMD\", \"curl\", \"-f\", \"http://localhost\"]",
                );
                out.line(ind + s[2], "interval: 30s");
            }
            Item::MemLimit(k, v) => out.line(ind, format!("{}: {}", k.show("mem_limit"), v.yaml)),
            Item::MemReservation(k, v) => {
                out.line(ind, format!("{}: {}", k.show("mem_reservation"), v.yaml))
            }
            Item::Comment(c, col0) => out.line(if *col0 { 0 } else { ind }, c),
            Item::Blank(spaces) => out.line(if *spaces { ind } else { 0 }, ""),
            Item::Deploy(d) => self.deploy(out, ind, d),
        }
    }

    fn deploy(&self, out: &mut Out, ind: usize, d: &Deploy) {
        let s = self.steps;
        match d {
            Deploy::Null(tilde) => out.line(ind, if *tilde { "deploy: ~" } else { "deploy:" }),
            Deploy::Flow { replicas, limits } => {
                out.line(ind, flow_deploy(*replicas, limits.as_ref()))
            }
            Deploy::Entries {
                replicas,
                resources,
                restart_policy,
            } => {
                out.line(ind, "deploy:");
                let ind = ind + s[2];
                if *replicas {
                    out.line(ind, "replicas: 2");
                }
                if let Some((limits, reservations)) = resources {
                    out.line(ind, "resources:");
                    let ind = ind + s[3];
                    for (name, b) in [("limits", limits), ("reservations", reservations)] {
                        let Some(b) = b else { continue };
                        match b {
                            Block::Flow { .. } => {
                                out.line(ind, format!("{name}: {}", block_flow(b)))
                            }
                            Block::Entries {
                                cpus,
                                memory,
                                end_comment,
                            } => {
                                out.line(ind, format!("{name}:"));
                                if *cpus {
                                    out.line(ind + s[4], "cpus: '0.50'");
                                }
                                if let Some(m) = memory {
                                    out.line(ind + s[4], format!("memory: {}", m.yaml));
                                }
                                if let Some(c) = end_comment {
                                    out.line(ind + s[4], c);
                                }
                            }
                        }
                    }
                }
                if *restart_policy {
                    out.line(ind, "restart_policy:");
                    out.line(ind + s[3], "condition: on-failure");
                }
            }
        }
    }
}

fn image(quote: u8) -> &'static str {
    match quote {
        1 => "\"nginx:1.25\"",
        2 => "'postgres:16-alpine'",
        _ => "redis:7",
    }
}

fn flow_deploy(replicas: bool, limits: Option<&Block>) -> String {
    let mut parts = Vec::new();
    if replicas {
        parts.push("replicas: 1".to_string());
    }
    if let Some(b) = limits {
        parts.push(format!("resources: {{limits: {}}}", block_flow(b)));
    }
    format!("deploy: {{{}}}", parts.join(", "))
}

fn dedup_keys(parts: &mut Vec<String>) {
    let mut seen = Vec::new();
    parts.retain(|p| {
        let key = p
            .split(':')
            .next()
            .unwrap_or("")
            .trim_matches(['"', '\''])
            .to_string();
        if seen.contains(&key) {
            false
        } else {
            seen.push(key);
            true
        }
    });
}
