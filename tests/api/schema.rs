//! `schema.graphql` is the schema the code builds; `UPDATE_SCHEMA=1` rewrites it.

use libtest_mimic::{Failed, Trial};

pub fn tests() -> Vec<Trial> {
    vec![
        Trial::test(
            "schema::committed_sdl_matches_the_code",
            committed_sdl_matches_the_code,
        ),
        subcommand_test(),
    ]
}

fn committed_sdl_matches_the_code() -> Result<(), Failed> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schema.graphql");
    let sdl = interest_gateway::graphql::export_sdl();
    if std::env::var_os("UPDATE_SCHEMA").is_some() {
        std::fs::write(&path, &sdl).map_err(|e| Failed::from(e.to_string()))?;
        return Ok(());
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if committed != sdl {
        return Err(Failed::from(
            "schema.graphql differs from the schema the code builds; \
             run `UPDATE_SCHEMA=1 cargo test --test api schema::` and review the diff",
        ));
    }
    Ok(())
}

pub fn subcommand_test() -> Trial {
    Trial::test("schema::the_schema_subcommand_prints_the_same_sdl", || {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_interest-gateway"))
            .arg("schema")
            .env_remove("DATABASE_URL")
            .output()
            .map_err(|e| Failed::from(e.to_string()))?;
        if !output.status.success() {
            return Err(Failed::from(format!("exit status {}", output.status)));
        }
        if String::from_utf8_lossy(&output.stdout) != interest_gateway::graphql::export_sdl() {
            return Err(Failed::from("`interest-gateway schema` prints another schema"));
        }
        Ok(())
    })
}
