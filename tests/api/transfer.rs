//! `export` and `import` (API.md §10) as an operator runs them: the binary against the test's
//! database, with the server answering REST and GraphQL beside it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use reqwest::Method;
use serde_json::{json, Value};

use crate::api_tests;
use crate::graph_rest::call;
use crate::helpers::{spawn_app, TestApp, TestDatabase, User};

api_tests!(
    export_then_import_restores_every_interest_in_every_input_format,
    import_reports_each_bad_record_by_line_and_stores_the_rest,
    the_graph_reference_representation_round_trips,
    the_progress_bar_shows_on_a_terminal_only,
    batches_repeated_ids_standard_input_and_kept_history,
);

/// The reference `personInterest` of Graph's documentation, with values in every property.
const REFERENCE: &str = include_str!("../fixtures/personinterest.json");

fn binary(db: &TestDatabase) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_interest-gateway"));
    for var in ["DATABASE_URL", "JWT_SECRET", "BIND", "LOG_FORMAT"] {
        command.env_remove(var);
    }
    command.args(["--database-url", &db.url]);
    command
}

/// A scratch file that is removed at the end of the test.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        Self(std::env::temp_dir().join(format!("ig-transfer-{}-{name}", uuid::Uuid::new_v4().simple())))
    }

    fn write(name: &str, text: &str) -> Self {
        let file = Self::new(name);
        std::fs::write(&file.0, text).unwrap();
        file
    }

    fn path(&self) -> &str {
        self.0.to_str().unwrap()
    }

    fn read(&self) -> String {
        std::fs::read_to_string(&self.0).unwrap()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn run(command: &mut Command) -> (Output, String) {
    let output = command.output().expect("the binary runs");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (output, stderr)
}

#[track_caller]
fn succeeded(output: &Output, stderr: &str) {
    assert!(output.status.success(), "exit {:?}: {stderr}", output.status);
}

async fn profile(app: &TestApp, token: &str, user: &str) -> Vec<Value> {
    let answer = call(
        app,
        Method::GET,
        &format!("/beta/users/{user}/profile/interests?$top=100"),
        Some(token),
        None,
        &[],
    )
    .await;
    assert_eq!(answer.status, 200, "{:#}", answer.body);
    answer.body["value"].as_array().unwrap().clone()
}

fn without(mut value: Value, keys: &[&str]) -> Value {
    if let Some(map) = value.as_object_mut() {
        for key in keys {
            map.remove(*key);
        }
    }
    value
}

async fn export_then_import_restores_every_interest_in_every_input_format(db: TestDatabase) {
    let app = spawn_app(&db).await;
    let admin = app.token(User::new("ops").admin());
    let alice = app.token_for("alice");
    let bob = app.token_for("bob");
    let specs = [
        (
            &alice,
            json!({"displayName": "Rust", "categories": ["Programming"], "collaborationTags": ["ableToMentor"],
                         "inference": {"confidenceScore": 0.25}, "source": {"type": ["User"]}, "allowedAudiences": "everyone"}),
        ),
        (
            &alice,
            json!({"displayName": "Go", "description": "gophers", "webUrl": "https://go.dev", "isSearchable": false}),
        ),
        (
            &alice,
            json!({"displayName": "Chess", "collaborationTags": ["wantsToLearn", "askMeAbout"], "allowedAudiences": "me"}),
        ),
        (
            &bob,
            json!({"displayName": "Tea", "categories": ["Drinks", "Leisure"], "thumbnailUrl": "https://tea.example/t.png"}),
        ),
        (
            &bob,
            json!({"displayName": "Jazz", "allowedAudiences": "contacts"}),
        ),
    ];
    for (token, body) in specs {
        let created = call(
            &app,
            Method::POST,
            "/beta/me/profile/interests",
            Some(token),
            Some(body),
            &[],
        )
        .await;
        assert_eq!(created.status, 201, "{:#}", created.body);
    }
    let before = [
        profile(&app, &admin, "alice").await,
        profile(&app, &admin, "bob").await,
    ];

    // Export: one Graph-shaped interest a line, with its owner.
    let exported = Scratch::new("all.ndjson");
    let (output, stderr) = run(binary(&db).args(["export", "--out", exported.path()]));
    succeeded(&output, &stderr);
    assert!(stderr.contains("exported 5 interests"), "{stderr}");
    let text = exported.read();
    let lines: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 5);
    for line in &lines {
        assert_eq!(line["@odata.type"], "#microsoft.graph.personInterest");
        assert!(line["userId"] == "alice" || line["userId"] == "bob");
        assert!(line.get("@odata.etag").is_none());
    }
    // To standard output, one profile.
    let (output, stderr) = run(binary(&db).args(["export", "--user", "bob"]));
    succeeded(&output, &stderr);
    assert_eq!(String::from_utf8_lossy(&output.stdout).lines().count(), 2);

    // Everything deleted, then imported back: the same interests, history included.
    for (user, token) in [("alice", &alice), ("bob", &bob)] {
        for item in profile(&app, &admin, user).await {
            let path = format!("/beta/me/profile/interests/{}", item["id"].as_str().unwrap());
            assert_eq!(
                call(&app, Method::DELETE, &path, Some(token), None, &[])
                    .await
                    .status,
                204
            );
        }
    }
    assert_eq!(app.total_count(Some(&admin), json!({})).await, 0);
    let (output, stderr) = run(binary(&db).args(["import", exported.path()]));
    succeeded(&output, &stderr);
    assert!(
        stderr.contains("imported 5 interests (5 new, 0 replaced), refused 0"),
        "{stderr}"
    );
    let after = [
        profile(&app, &admin, "alice").await,
        profile(&app, &admin, "bob").await,
    ];
    assert_eq!(after, before);
    // The rules hold on imported rows: bob, alice's colleague, sees her EVERYONE and
    // ORGANIZATION interests (her organization comes from the directory), not the ME one.
    let seen: Vec<Value> = profile(&app, &bob, "alice").await;
    let names: Vec<&str> = seen.iter().map(|i| i["displayName"].as_str().unwrap()).collect();
    assert_eq!(names, ["Rust", "Go"]);
    let outsider = app.token(User::new("eve").tenant("fabrikam"));
    assert_eq!(profile(&app, &outsider, "alice").await.len(), 1);

    // Idempotent by id: a second import replaces, and exports the same text.
    let (output, stderr) = run(binary(&db).args(["import", exported.path()]));
    succeeded(&output, &stderr);
    assert!(stderr.contains("(0 new, 5 replaced)"), "{stderr}");
    assert_eq!(app.total_count(Some(&admin), json!({})).await, 5);
    let again = Scratch::new("again.ndjson");
    let (output, stderr) = run(binary(&db).args(["export", "--out", again.path()]));
    succeeded(&output, &stderr);
    assert_eq!(again.read(), text);

    // A JSON array and Graph list pages, without ids, onto carol's profile (--user wins).
    let fresh: Vec<Value> = lines.iter().map(|l| without(l.clone(), &["id"])).collect();
    let array = Scratch::write("array.json", &serde_json::to_string_pretty(&fresh).unwrap());
    let pages = Scratch::write(
        "pages.json",
        &format!(
            "{}\n{}\n",
            json!({"@odata.context": "https://graph.microsoft.com/beta/$metadata#users('x')/profile/interests",
                   "value": fresh[..3], "@odata.nextLink": "https://graph.microsoft.com/beta/next"}),
            json!({"value": fresh[3..]}),
        ),
    );
    let mut expected: Vec<&str> = Vec::new();
    for file in [&array, &pages] {
        let (output, stderr) = run(binary(&db).args(["import", "--user", "carol", file.path()]));
        succeeded(&output, &stderr);
        assert!(
            stderr.contains("imported 5 interests (5 new, 0 replaced)"),
            "{stderr}"
        );
        // Imported rows keep their createdDateTime, so both rounds interleave: compare sets.
        expected.extend(lines.iter().map(|l| l["displayName"].as_str().unwrap()));
        expected.sort_unstable();
        let carols = profile(&app, &admin, "carol").await;
        let mut got: Vec<&str> = carols
            .iter()
            .map(|i| i["displayName"].as_str().unwrap())
            .collect();
        got.sort_unstable();
        assert_eq!(got, expected);
        assert!(carols.iter().all(|i| lines.iter().all(|l| l["id"] != i["id"])));
    }
}

async fn import_reports_each_bad_record_by_line_and_stores_the_rest(db: TestDatabase) {
    let app = spawn_app(&db).await;
    let admin = app.token(User::new("ops").admin());
    let bob = app.token_for("bob");
    let bobs = call(
        &app,
        Method::POST,
        "/beta/me/profile/interests",
        Some(&bob),
        Some(json!({"displayName": "Bob's"})),
        &[],
    )
    .await
    .body;
    let bobs_id = bobs["id"].as_str().unwrap();
    let file = Scratch::write(
        "mixed.ndjson",
        &[
            r#"{"userId": "alice", "displayName": "ok 1"}"#.to_owned(),
            r#"{"userId": "alice", "displayName": "   "}"#.to_owned(),
            "this is not json".to_owned(),
            r#"{"userId": "alice", "displayName": "x", "collaborationTags": ["juggling"]}"#.to_owned(),
            r#"{"displayName": "nobody's"}"#.to_owned(),
            format!(r#"{{"userId": "alice", "displayName": "taken", "id": "{bobs_id}"}}"#),
            String::new(),
            r#"{"userId": "alice", "displayName": "ok 2", "categories": ["A", "a", "B"], "webUrl": "https://ok.example"}"#
                .to_owned(),
            // A string broken by a line end: this record is lost, the next line is read.
            r#"{"userId": "alice", "displayName": "unterminated"#.to_owned(),
            r#"{"userId": "alice", "displayName": "x", "inference": {"confidenceScore": 7}}"#.to_owned(),
        ]
        .join("\n"),
    );
    let (output, stderr) = run(binary(&db).args(["import", file.path()]));
    assert!(!output.status.success(), "{stderr}");
    let reported: Vec<&str> = stderr.lines().filter(|l| l.starts_with("line ")).collect();
    let numbers: Vec<&str> = reported.iter().map(|l| l.split(':').next().unwrap()).collect();
    assert_eq!(
        numbers,
        ["line 2", "line 3", "line 4", "line 5", "line 6", "line 9", "line 10"],
        "{stderr}"
    );
    assert!(reported[0].contains("displayName"), "{stderr}");
    assert!(reported[2].contains("collaborationTags[0]"), "{stderr}");
    assert!(reported[3].contains("userId"), "{stderr}");
    assert!(reported[4].contains("another profile"), "{stderr}");
    assert!(reported[6].contains("inference.confidenceScore"), "{stderr}");
    assert!(
        stderr.contains("imported 2 interests (2 new, 0 replaced), refused 7"),
        "{stderr}"
    );
    assert!(stderr.contains("7 records were refused"), "{stderr}");
    let alices = profile(&app, &admin, "alice").await;
    let names: Vec<&str> = alices
        .iter()
        .map(|i| i["displayName"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["ok 1", "ok 2"]);
    assert_eq!(alices[1]["categories"], json!(["A", "B"]));
    assert_eq!(
        alices[0]["createdBy"]["application"]["displayName"],
        "interest-gateway import"
    );
    // Bob's interest was not taken over.
    let kept = profile(&app, &admin, "bob").await;
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0]["displayName"], "Bob's");
    // A missing file is a clear error.
    let (output, stderr) = run(binary(&db).args(["import", "/nonexistent/interests.ndjson"]));
    assert!(!output.status.success());
    assert!(
        stderr.contains("cannot open /nonexistent/interests.ndjson"),
        "{stderr}"
    );
}

/// Equal as instants (the gateway writes microseconds; the input may have fewer digits).
#[track_caller]
fn same_instant(a: &Value, b: &Value) {
    let parse = |v: &Value| chrono::DateTime::parse_from_rfc3339(v.as_str().unwrap()).unwrap();
    assert_eq!(parse(a), parse(b), "{a} vs {b}");
}

/// Compares a written interest with the reference: every property unchanged; nested
/// `@odata.type` annotations are not properties, and `source.type` reads as a list.
#[track_caller]
fn matches_reference(written: &Value, reference: &Value) {
    for (key, expected) in reference.as_object().unwrap() {
        let got = &written[key];
        match key.as_str() {
            "createdDateTime" | "lastModifiedDateTime" => same_instant(got, expected),
            "source" => {
                let types = match &expected["type"] {
                    Value::String(s) => json!([s]),
                    list => list.clone(),
                };
                assert_eq!(got, &json!({ "type": types }), "source");
            }
            "inference" | "createdBy" | "lastModifiedBy" => {
                assert_eq!(got, &without(expected.clone(), &["@odata.type"]), "{key}");
            }
            _ => assert_eq!(got, expected, "{key}"),
        }
    }
}

async fn the_graph_reference_representation_round_trips(db: TestDatabase) {
    let app = spawn_app(&db).await;
    let alice = app.token(User::new("alice").tenant("contoso"));
    let listed: Value = serde_json::from_str(REFERENCE).unwrap();
    let mut single = listed.clone();
    single["id"] = json!("1cb4c1e3-c1e3-0fb4-e3c1-b40fe3c1b40f");
    single["source"]["type"] = json!("User");
    single["displayName"] = json!("Chicago Cubs");
    let file = Scratch::write(
        "reference.json",
        &serde_json::to_string_pretty(&json!([listed, single])).unwrap(),
    );
    let (output, stderr) = run(binary(&db).args(["import", "--user", "alice", file.path()]));
    succeeded(&output, &stderr);
    for reference in [&listed, &single] {
        let id = reference["id"].as_str().unwrap();
        let got = call(
            &app,
            Method::GET,
            &format!("/beta/me/profile/interests/{id}"),
            Some(&alice),
            None,
            &[],
        )
        .await;
        assert_eq!(got.status, 200, "{:#}", got.body);
        matches_reference(&got.body, reference);
        // Properties beyond the reference page take their defaults.
        assert_eq!(got.body["isSearchable"], true);
        assert_eq!(got.body["thumbnailUrl"], Value::Null);
    }
    let exported = Scratch::new("reference.ndjson");
    let (output, stderr) = run(binary(&db).args(["export", "--user", "alice", "--out", exported.path()]));
    succeeded(&output, &stderr);
    let lines: Vec<Value> = exported
        .read()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    for line in &lines {
        let reference = if line["id"] == listed["id"] {
            &listed
        } else {
            &single
        };
        matches_reference(line, reference);
        assert_eq!(line["userId"], "alice");
    }
    // And the export imports again as the same objects.
    let (output, stderr) = run(binary(&db).args(["import", exported.path()]));
    succeeded(&output, &stderr);
    assert!(stderr.contains("(0 new, 2 replaced)"), "{stderr}");
    let got = call(
        &app,
        Method::GET,
        &format!("/beta/me/profile/interests/{}", listed["id"].as_str().unwrap()),
        Some(&alice),
        None,
        &[],
    )
    .await;
    matches_reference(&got.body, &listed);
}

/// Runs `args` on a pseudo-terminal (util-linux `script`); returns everything it printed.
fn on_terminal(db: &TestDatabase, args: &[&str]) -> String {
    let mut line = vec![
        env!("CARGO_BIN_EXE_interest-gateway").to_owned(),
        "--database-url".into(),
    ];
    line.push(db.url.clone());
    line.extend(args.iter().map(|a| a.to_string()));
    let quoted: Vec<String> = line
        .iter()
        .map(|a| format!("'{}'", a.replace('\'', "'\\''")))
        .collect();
    let output = Command::new("script")
        .args(["-qec", &quoted.join(" "), "/dev/null"])
        .env("COLUMNS", "120")
        .env_remove("DATABASE_URL")
        .output()
        .expect("util-linux `script` runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn lines_of(count: usize) -> String {
    (0..count)
        .map(|i| {
            json!({"userId": format!("user-{}", i % 50), "displayName": format!("topic {i}")}).to_string()
                + "\n"
        })
        .collect()
}

async fn the_progress_bar_shows_on_a_terminal_only(db: TestDatabase) {
    let file = Scratch::write("bar.ndjson", &lines_of(3_000));
    // Small batches make several steps to draw.
    let shown = on_terminal(&db, &["import", "--batch-size", "100", file.path()]);
    assert!(shown.contains("importing ["), "{shown}");
    assert!(shown.contains("imported 3,000 interests"), "{shown}");
    let exported = Scratch::new("bar-out.ndjson");
    let shown = on_terminal(&db, &["export", "--out", exported.path()]);
    assert!(shown.contains("exporting ["), "{shown}");
    // Not on a pipe: the summary only.
    let again = Scratch::write("bar2.ndjson", &lines_of(3_000));
    let (output, stderr) = run(binary(&db).args(["import", "--batch-size", "100", again.path()]));
    succeeded(&output, &stderr);
    assert!(!stderr.contains("importing ["), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    let _ = Path::new(exported.path());
}

async fn batches_repeated_ids_standard_input_and_kept_history(db: TestDatabase) {
    let app = spawn_app(&db).await;
    let admin = app.token(User::new("ops").admin());
    let x = "0196b0a4-4f3c-7d2e-9a4e-1c2b3d4e5f60";
    // Batches of two: a repeated id, a bad record in the second batch, records after it.
    let lines = [
        json!({"id": x, "userId": "alice", "displayName": "first", "createdDateTime": "2024-01-01T00:00:00Z",
               "categories": ["Go"], "collaborationTags": ["ableToMentor"]}),
        json!({"id": x, "userId": "alice", "displayName": "second", "categories": ["Rust"],
               "collaborationTags": ["ableToMentor"]}),
        json!({"userId": "alice", "displayName": "c"}),
        json!({"userId": "alice", "displayName": ""}),
        json!({"userId": "alice", "displayName": "d"}),
        json!({"userId": "alice", "displayName": "e"}),
    ];
    let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    let file = Scratch::write("batches.ndjson", &text);
    let (output, stderr) = run(binary(&db).args(["import", "--batch-size", "2", file.path()]));
    assert!(!output.status.success());
    let reported: Vec<&str> = stderr.lines().filter(|l| l.starts_with("line ")).collect();
    assert_eq!(reported.len(), 1, "{stderr}");
    assert!(reported[0].starts_with("line 4: "), "{stderr}");
    assert!(
        stderr.contains("imported 5 interests (4 new, 1 replaced), refused 1"),
        "{stderr}"
    );
    let alices = profile(&app, &admin, "alice").await;
    let names: Vec<&str> = alices
        .iter()
        .map(|i| i["displayName"].as_str().unwrap())
        .collect();
    // The later record won; it kept the creation time of the one it replaced.
    assert_eq!(names, ["second", "c", "d", "e"]);
    assert_eq!(alices[0]["createdDateTime"], "2024-01-01T00:00:00.000000Z");
    assert_ne!(alices[0]["lastModifiedDateTime"], alices[0]["createdDateTime"]);
    // Its category, tag and pair rows are the later record's.
    assert_eq!(tagged_counts(&app, &admin).await, (0, 1, 1));

    // Standard input, `-`: a replace without history keeps the stored creation.
    let mut child = binary(&db)
        .args(["import", "-"])
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write as _;
        let mut stdin = child.stdin.take().unwrap();
        writeln!(
            stdin,
            "{}",
            json!({"id": x, "userId": "alice", "displayName": "third"})
        )
        .unwrap();
    }
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    succeeded(&output, &stderr);
    assert!(stderr.contains("(0 new, 1 replaced)"), "{stderr}");
    let again = profile(&app, &admin, "alice").await;
    assert_eq!(again[0]["displayName"], "third");
    assert_eq!(again[0]["createdDateTime"], "2024-01-01T00:00:00.000000Z");
    assert_eq!(again[0]["createdBy"], alices[0]["createdBy"]);
    assert_eq!(tagged_counts(&app, &admin).await, (0, 0, 0));
    assert_eq!(db.orphan_side_rows().await, 0);
}

/// Interests in category Go, in category Rust, and able to mentor in Rust (the pairs' index).
async fn tagged_counts(app: &TestApp, token: &str) -> (i64, i64, i64) {
    let counts = app
        .graphql(
            "{ go: interests(filter: {categories: [\"go\"]}) { totalCount } \
               rust: interests(filter: {categories: [\"rust\"]}) { totalCount } \
               mentors: interests(filter: {collaborationTags: [ABLE_TO_MENTOR], categories: [\"rust\"]}, \
                                  orderBy: {field: CREATED_DATE_TIME, direction: DESC}) { totalCount } }",
            json!({}),
            Some(token),
        )
        .await
        .ok();
    let count = |alias: &str| counts.data(&format!("{alias}.totalCount")).as_i64().unwrap_or(-1);
    (count("go"), count("rust"), count("mentors"))
}
