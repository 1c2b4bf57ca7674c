//! The wire's JSON schema is checked in (`editors/protocol.schema.json`) and the editors' types are
//! generated from it, so a change to what lanes sends shows up as a change to that file.

use std::path::PathBuf;

fn checked_in() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../editors/protocol.schema.json")
}

fn generated() -> String {
    let mut text = serde_json::to_string_pretty(&lanes::protocol::schema()).unwrap();
    text.push('\n');
    text
}

#[test]
fn the_checked_in_schema_is_the_one_the_server_generates() {
    let path = checked_in();
    let fresh = generated();
    if std::env::var_os("LANES_BLESS").is_some() {
        std::fs::write(&path, &fresh).unwrap();
    }
    let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        on_disk == fresh,
        "{} is out of date: run `LANES_BLESS=1 cargo nextest run -E 'test(checked_in_schema)'`, \
         then `npm run protocol` in editors/vscode, and commit both",
        path.display()
    );
}

#[test]
fn the_schema_names_every_shape_a_client_reads() {
    let schema = lanes::protocol::schema();
    let defs = schema["$defs"].as_object().unwrap();
    for shape in [
        "Lane",
        "LaneStatus",
        "LaneList",
        "TicketLaneList",
        "Started",
        "Removed",
        "SyncReport",
        "TicketList",
        "ErrorData",
    ] {
        assert!(
            defs.contains_key(shape),
            "{shape} missing from {:?}",
            defs.keys()
        );
    }
    let lane = &defs["Lane"]["properties"];
    assert!(lane.get("ticket").is_some() && lane.get("pr_state").is_some());
}
