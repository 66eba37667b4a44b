//! The custom encodings the corpus does not exercise, checked against what compose-go's
//! `MarshalJSON` methods produce.

use indexmap::IndexMap;
use serde_json::json;

use super::*;

fn map<V>(entries: impl IntoIterator<Item = (&'static str, V)>) -> IndexMap<String, V> {
    entries
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
}

fn project() -> Project {
    let service = ServiceConfig {
        name: "web".to_owned(),
        image: "nginx".to_owned(),
        command: Some(Vec::new()),
        cpus: 2.0,
        cpu_percent: 0.1,
        env_file: vec![
            EnvFile {
                path: "/p/.env".to_owned(),
                required: true,
                format: String::new(),
            },
            EnvFile {
                path: "/p/opt.env".to_owned(),
                required: false,
                format: "raw".to_owned(),
            },
        ],
        extra_hosts: map([
            ("zeta", vec!["10.0.0.2".to_owned()]),
            ("alpha", vec!["10.0.0.1".to_owned(), "::1".to_owned()]),
        ]),
        ulimits: map([
            (
                "nproc",
                UlimitsConfig {
                    single: 65535,
                    ..UlimitsConfig::default()
                },
            ),
            (
                "nofile",
                UlimitsConfig {
                    soft: 1024,
                    hard: 2048,
                    ..UlimitsConfig::default()
                },
            ),
        ]),
        secrets: vec![FileReferenceConfig {
            source: "token".to_owned(),
            mode: Some(FileMode(0o440)),
            ..FileReferenceConfig::default()
        }],
        shm_size: UnitBytes(64 * 1024 * 1024),
        stop_grace_period: Some(Duration::from_secs(90)),
        networks: map([("default", None)]),
        environment: map([("B", Some("<&>".to_owned())), ("A", None)]),
        develop: Some(DevelopConfig {
            watch: vec![Trigger {
                path: "/p/src".to_owned(),
                action: "sync".to_owned(),
                ..Trigger::default()
            }],
        }),
        deploy: Some(Box::default()),
        extensions: map([("x-hidden", json!(true))]),
        ..ServiceConfig::default()
    };
    let file_object = |environment: &str| FileObjectConfig {
        name: "p_token".to_owned(),
        environment: environment.to_owned(),
        content: "s3cret".to_owned(),
        ..FileObjectConfig::default()
    };
    Project {
        name: "p".to_owned(),
        services: map([("web", service)]),
        secrets: map([("token", file_object("TOKEN"))]),
        configs: map([
            ("inline", file_object("")),
            ("from_env", file_object("CFG")),
        ]),
        extensions: map([("x-b", json!({"z": 1, "a": [2.5]})), ("x-a", json!("v"))]),
        ..Project::default()
    }
}

#[test]
fn custom_encodings_match_compose_go() {
    let expected = json!({
        "name": "p",
        "services": {"web": {
            "cpu_percent": 0.1,
            "cpus": 2,
            "command": [],
            "deploy": {"resources": {}, "placement": {}},
            "develop": {"watch": [{"path": "/p/src", "action": "sync", "exec": {"command": null}}]},
            "entrypoint": null,
            "environment": {"A": null, "B": "<&>"},
            "env_file": ["/p/.env", {"path": "/p/opt.env", "required": false, "format": "raw"}],
            "extra_hosts": ["alpha=10.0.0.1", "alpha=::1", "zeta=10.0.0.2"],
            "image": "nginx",
            "networks": {"default": null},
            "secrets": [{"source": "token", "mode": "0440"}],
            "shm_size": "67108864",
            "stop_grace_period": "1m30s",
            "ulimits": {"nofile": {"soft": 1024, "hard": 2048}, "nproc": 65535},
        }},
        "secrets": {"token": {"name": "p_token", "environment": "TOKEN"}},
        "configs": {
            "from_env": {"name": "p_token", "environment": "CFG"},
            "inline": {"name": "p_token", "content": "s3cret"},
        },
        "x-a": "v",
        "x-b": {"a": [2.5], "z": 1},
    });
    assert_eq!(to_json_value(&project()), expected);
}

#[test]
fn output_orders_and_escapes_like_go() {
    let text = to_json(&project());
    let keys: Vec<&str> = text
        .lines()
        .filter(|line| line.starts_with("  \""))
        .map(|line| line.trim().split('"').nth(1).unwrap_or_default())
        .collect();
    assert_eq!(
        keys,
        ["configs", "name", "secrets", "services", "x-a", "x-b"]
    );
    assert!(text.contains(r#""B": "\u003c\u0026\u003e""#), "{text}");
    assert!(text.contains("\"x-b\": {\n    \"a\": [\n      2.5\n    ],\n    \"z\": 1\n  }"));
    assert!(!text.ends_with('\n'));
}

#[test]
fn printed_json_reads_back() {
    let printed = to_json_value(&project());
    let read: Project = serde_json::from_value(printed.clone()).expect("printed JSON reads back");
    assert_eq!(to_json_value(&read), printed);
    let web = &read.services["web"];
    assert_eq!(web.name, "web");
    assert_eq!(web.ulimits["nproc"].single, 65535);
    assert_eq!(web.env_file[1].format, "raw");
    assert_eq!(web.secrets[0].mode, Some(FileMode(0o440)));
    assert_eq!(web.stop_grace_period, Some(Duration::from_secs(90)));
}
