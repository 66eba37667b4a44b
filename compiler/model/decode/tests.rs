//! Each binding rule against what Docker Compose v2.40.3 prints for the equivalent YAML
//! (`docker-compose config --format json`).

use serde_json::{Value, json};

use super::{DecodeError, from_canonical, split_shell_words};
use crate::model::{Duration, FileMode, Project, to_json_value};

fn bind(dict: Value) -> Project {
    from_canonical(dict).expect("the dict binds")
}

fn bind_error(dict: Value) -> DecodeError {
    from_canonical(dict).expect_err("the dict does not bind")
}

fn service(service: Value) -> Project {
    let mut dict = json!({"name": "p", "services": {}});
    dict["services"]["web"] = service;
    bind(dict)
}

/// The printed form of the `web` service of a project holding only `service`.
fn printed(service: Value) -> Value {
    to_json_value(&self::service(service))["services"]["web"].clone()
}

#[test]
fn canonical_service_prints_like_docker_compose() {
    let web = json!({
        "image": "x",
        "x-svc": 1,
        "environment": {"x-foo": "bar", "A": 1, "B": 1.5, "C": true, "D": null, "E": 1e21},
        "labels": {"a": 1, "b": 2.5, "c": false, "d": null},
        "command": r#"echo a\tb "c\"d" 'e\f' g\ h $x"#,
        "healthcheck": {"test": "curl x", "interval": "90s"},
        "mem_limit": 1.5,
        "shm_size": "1.5g",
        "cpus": "0.5",
        "ulimits": {"nofile": {"soft": 1, "hard": 2}, "nproc": 65535},
        "extra_hosts": {"h1": "[::1]", "h2": ["1.2.3.4", "5.6.7.8"]},
        "sysctls": ["net.a=1", "net.b"],
        "expose": [80, "90"],
        "deploy": {"resources": {
            "limits": {"cpus": "0.5", "memory": "1g"},
            "reservations": {"devices": [{"count": "all", "capabilities": ["gpu"]}]},
        }},
        "build": {"context": "/tmp/dc", "dockerfile": "Dockerfile", "args": ["A=1", "B"], "ssh": {"default": null}},
        "secrets": [{"source": "s", "target": "/run/secrets/s", "mode": 288}],
        "networks": {"default": null},
    });
    // Docker Compose prints the same, except that `build.args.B` is resolved (and dropped)
    // after binding, from the environment.
    let expected = json!({
        "build": {"context": "/tmp/dc", "dockerfile": "Dockerfile", "args": {"A": "1", "B": null}, "ssh": ["default"]},
        "cpus": 0.5,
        "command": ["echo", "atb", "c\"d", "e\\f", "g h", "$x"],
        "deploy": {
            "resources": {
                "limits": {"cpus": 0.5, "memory": "1073741824"},
                "reservations": {"devices": [{"capabilities": ["gpu"], "count": -1}]},
            },
            "placement": {},
        },
        "entrypoint": null,
        "environment": {
            "#extensions": "map[x-foo:bar]",
            "A": "1",
            "B": "1.5",
            "C": "true",
            "D": null,
            "E": "1e+21",
        },
        "expose": ["80", "90"],
        "extra_hosts": ["h1=::1", "h2=1.2.3.4", "h2=5.6.7.8"],
        "healthcheck": {"test": ["CMD-SHELL", "curl x"], "interval": "1m30s"},
        "image": "x",
        "labels": {"a": "1", "b": "2.5", "c": "false", "d": ""},
        "networks": {"default": null},
        "secrets": [{"source": "s", "target": "/run/secrets/s", "mode": "0440"}],
        "shm_size": "1610612736",
        "sysctls": {"net.a": "1", "net.b": ""},
        "ulimits": {"nofile": {"soft": 1, "hard": 2}, "nproc": 65535},
    });
    let project = service(web.clone());
    assert_eq!(to_json_value(&project)["services"]["web"], expected);
    let web = &project.services["web"];
    assert_eq!(web.name, "web");
    assert_eq!(web.extensions["x-svc"], json!(1));
    assert_eq!(web.secrets[0].mode, Some(FileMode(0o440)));
    assert_eq!(
        web.healthcheck.as_ref().unwrap().interval,
        Some(Duration::from_secs(90))
    );
}

#[test]
fn list_extra_hosts_take_either_separator_and_several_addresses() {
    let other = printed(json!({"extra_hosts": ["a:1.2.3.4", "b=::1,::2", "c:[::3]"]}));
    assert_eq!(
        other["extra_hosts"],
        json!(["a=1.2.3.4", "b=::1", "b=::2", "c=::3"])
    );
    let err = bind_error(json!({"services": {"web": {"extra_hosts": ["nohost"]}}}));
    assert_eq!(err.path, "services.web.extra_hosts");
    let err = bind_error(json!({"services": {"web": {"extra_hosts": {"a:b": "1.2.3.4"}}}}));
    assert!(err.message.contains("bad extra host name `a:b`"), "{err}");
}

#[test]
fn command_strings_split_like_go_shellwords() {
    // Each result is what Docker Compose prints for `command: <line>`.
    let cases: &[(&str, &[&str])] = &[
        ("echo a && echo b", &["echo", "a"]),
        ("echo $(x y) z", &["echo", "$(x y)", "z"]),
        ("sh -c \"x; y\" 2>&1", &["sh", "-c", "x; y"]),
        ("a 2>x", &["a"]),
        ("''", &[""]),
        ("\"\"  x", &["", "x"]),
        ("echo `a b` c", &["echo", "`a b`", "c"]),
        ("  spaced\targs\n", &["spaced", "args"]),
        ("", &[]),
    ];
    for (line, words) in cases {
        assert_eq!(
            split_shell_words(line),
            Ok(words.iter().map(|w| (*w).to_owned()).collect()),
            "{line}"
        );
    }
    for bad in ["echo a) b", "a\\", "'open", "\"open", "a (b", "`open"] {
        assert!(split_shell_words(bad).is_err(), "{bad}");
    }
    let web = &service(json!({"entrypoint": "", "command": ["a", "b c"]})).services["web"];
    assert_eq!(web.entrypoint, Some(Vec::new()));
    assert_eq!(web.command, Some(vec!["a".to_owned(), "b c".to_owned()]));
    let err = bind_error(json!({"services": {"web": {"command": "echo a) b"}}}));
    assert_eq!(err.path, "services.web.command");
}

#[test]
fn strings_cast_to_the_field_type() {
    let web = &service(json!({
        "tty": "yes", "privileged": "OFF", "init": "true", "read_only": true,
        "cpu_shares": "512", "oom_score_adj": 1.9, "cpu_percent": "12.5", "scale": "3",
        "pids_limit": 100, "hostname": 42, "cpus": 2,
        "healthcheck": {"retries": 3},
    }))
    .services["web"];
    assert!(web.tty && !web.privileged && web.read_only);
    assert_eq!(web.init, Some(true));
    assert_eq!(
        (web.cpu_shares, web.oom_score_adj, web.pids_limit),
        (512, 1, 100)
    );
    assert!((web.cpu_percent - 12.5).abs() < f32::EPSILON);
    assert!((web.cpus - 2.0).abs() < f32::EPSILON);
    assert_eq!(web.scale, Some(3));
    assert_eq!(web.hostname, "42");
    assert_eq!(web.healthcheck.as_ref().unwrap().retries, Some(3));
}

#[test]
fn bad_values_are_reported_at_their_path() {
    let cases = [
        (
            json!({"ports": [{"target": "80"}]}),
            "services.web.ports.0.target",
            "expected a non-negative integer, got a string",
        ),
        (
            json!({"tty": "maybe"}),
            "services.web.tty",
            "invalid boolean `maybe`",
        ),
        (
            json!({"cpu_shares": "lots"}),
            "services.web.cpu_shares",
            "invalid integer `lots`",
        ),
        (
            json!({"hostname": 1.5}),
            "services.web.hostname",
            "expected a string, got a number",
        ),
        (
            json!({"cap_add": [true]}),
            "services.web.cap_add.0",
            "expected a string, got a boolean",
        ),
        (
            json!({"mem_limit": "1x"}),
            "services.web.mem_limit",
            "invalid byte size `1x`",
        ),
        (
            json!({"stop_grace_period": 10}),
            "services.web.stop_grace_period",
            "invalid duration `10`",
        ),
        (
            json!({"dns": [1]}),
            "services.web.dns",
            "expected a list of strings, got an integer",
        ),
        (
            json!({"ulimits": {"nofile": {"soft": "1"}}}),
            "services.web.ulimits",
            "ulimit `nofile.soft` must be an integer",
        ),
        (
            json!({"healthcheck": {"test": [1]}}),
            "services.web.healthcheck.test",
            "expected a list of strings",
        ),
        (
            json!({"environment": ["A =1"]}),
            "services.web.environment",
            "variable `A ` is declared with a trailing space",
        ),
        (
            json!({"logging": {"options": ["a=b"]}}),
            "services.web.logging.options",
            "expected a mapping, got a list",
        ),
        (
            json!({"gpus": [{"count": "some"}]}),
            "services.web.gpus.0.count",
            "invalid device count `some`",
        ),
        (
            json!({"secrets": [{"source": "s", "mode": "0999"}]}),
            "services.web.secrets.0.mode",
            "invalid file mode `0999`",
        ),
        (
            json!({"deploy": {"resources": {"limits": {"cpus": "-1"}}}}),
            "services.web.deploy.resources.limits.cpus",
            "invalid cpus value `-1`",
        ),
    ];
    for (web, path, message) in cases {
        let err = bind_error(json!({"services": {"web": web}}));
        assert_eq!(err.path, path, "{err}");
        assert!(err.message.contains(message), "{err}");
    }
}

#[test]
fn value_types_take_every_shape_compose_go_accepts() {
    let web = &service(json!({
        "mem_limit": 1024, "memswap_limit": -1, "mem_reservation": "512m", "shm_size": true,
        "stop_grace_period": "0",
        "secrets": [{"source": "a", "mode": "0440"}, {"source": "b", "mode": 420}],
        "gpus": [{"count": 2}, {"count": "3"}, {"count": "ALL"}],
        "annotations": ["a=b=c", "d"],
        "tmpfs": "/run",
        "dns": ["1.1.1.1"],
        "provider": {"type": "model", "options": {"a": [1, "b"], "c": true}},
        "post_start": [{"command": "echo hi", "environment": {"A": 1}}],
        "networks": {"front": {"driver_opts": {"mtu": 1500, "x": null}, "gw_priority": "2"}},
        "build": {"context": ".", "ssh": {"key": "/p/id"}},
    }))
    .services["web"];
    assert_eq!(web.mem_limit.0, 1024);
    assert_eq!(web.memswap_limit.0, -1);
    assert_eq!(web.mem_reservation.0, 512 << 20);
    assert_eq!(web.shm_size.0, 0);
    assert_eq!(web.stop_grace_period, Some(Duration(0)));
    assert_eq!(web.secrets[0].mode, Some(FileMode(0o440)));
    assert_eq!(web.secrets[1].mode, Some(FileMode(0o644)));
    let counts: Vec<i64> = web.gpus.iter().map(|g| g.count).collect();
    assert_eq!(counts, [2, 3, -1]);
    assert_eq!(web.annotations["a"], "b=c");
    assert_eq!(web.annotations["d"], "");
    assert_eq!(web.tmpfs, ["/run"]);
    let provider = web.provider.as_ref().unwrap();
    assert_eq!(provider.options["a"], ["1", "b"]);
    assert_eq!(provider.options["c"], ["true"]);
    assert_eq!(
        web.post_start[0].command,
        Some(vec!["echo".to_owned(), "hi".to_owned()])
    );
    assert_eq!(web.post_start[0].environment["A"].as_deref(), Some("1"));
    let front = web.networks["front"].as_ref().unwrap();
    assert_eq!(front.driver_opts["mtu"], "1500");
    assert_eq!(front.driver_opts["x"], "");
    assert_eq!(front.gw_priority, 2);
    let ssh = &web.build.as_ref().unwrap().ssh[0];
    assert_eq!((ssh.id.as_str(), ssh.path.as_str()), ("key", "/p/id"));
    let printed = printed(json!({"build": {"ssh": ["default", "key=/p/id"]}}));
    assert_eq!(printed["build"]["ssh"], json!(["default", "key=/p/id"]));
}

#[test]
fn extensions_go_where_compose_go_puts_them() {
    let project = bind(json!({
        "name": "p",
        "x-top": {"b": 1},
        "include": [{"path": "other.yaml"}],
        "services": {
            "x-svc": {"image": "a", "depends_on": {"x-db": {"condition": "service_started", "required": true}}},
        },
        "networks": {"x-net": {"x-opt": 1, "driver": "bridge"}},
        "volumes": {"data": {"x-v": true}},
        "secrets": {"token": {"environment": "TOKEN", "x-#value": "s3cret", "x-keep": 1}},
        "configs": {"cfg": {"content": "c", "x-c": "d"}},
        "models": {"llm": {"model": "ai/smollm2", "context_size": "4096", "x-m": 1}},
    }));
    assert_eq!(project.extensions["x-top"], json!({"b": 1}));
    assert_eq!(project.extensions.len(), 1);
    let svc = &project.services["x-svc"];
    assert_eq!(svc.name, "x-svc");
    assert!(svc.depends_on.contains_key("x-db"));
    assert_eq!(project.networks["x-net"].extensions["x-opt"], json!(1));
    assert_eq!(project.volumes["data"].extensions["x-v"], json!(true));
    let token = &project.secrets["token"];
    assert_eq!(token.content, "s3cret");
    assert_eq!(token.extensions.keys().collect::<Vec<_>>(), ["x-keep"]);
    assert_eq!(project.configs["cfg"].extensions["x-c"], json!("d"));
    assert_eq!(project.models["llm"].context_size, 4096);
    assert_eq!(project.models["llm"].extensions["x-m"], json!(1));
    let printed = to_json_value(&project);
    assert_eq!(printed["x-top"], json!({"b": 1}));
    assert!(printed.get("include").is_none());
    assert!(printed.get("models").is_none());
    assert_eq!(printed["secrets"]["token"], json!({"environment": "TOKEN"}));
}

#[test]
fn a_service_is_named_by_its_key() {
    let project = bind(json!({"services": {"web": {"name": "other", "image": "x"}}}));
    assert_eq!(project.services["web"].name, "web");
}

#[test]
fn null_leaves_the_zero_value() {
    let web = &service(json!({
        "command": null, "tty": null, "cpus": null, "hostname": null, "cap_add": null,
        "labels": null, "environment": null, "init": null, "mem_limit": null,
        "deploy": {"update_config": {"delay": null}},
    }))
    .services["web"];
    assert_eq!(web.command, None);
    assert!(!web.tty && web.cap_add.is_empty() && web.labels.is_empty());
    assert_eq!(web.init, None);
    assert_eq!(web.hostname, "");
}
