//! The built-in library is exactly `scenarios/`, and every entry loads.

use sim_core::library::BUILTIN;

#[test]
fn builtins_are_the_scenario_files_sorted() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios");
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .expect("scenarios/ exists")
        .map(|e| {
            e.expect("readable entry")
                .file_name()
                .into_string()
                .unwrap()
        })
        .filter_map(|f| f.strip_suffix(".toml").map(str::to_owned))
        .collect();
    files.sort();
    let names: Vec<&str> = BUILTIN.iter().map(|b| b.name).collect();
    assert_eq!(
        names, files,
        "library.rs must list every file of scenarios/"
    );
}

#[test]
fn every_builtin_loads_and_has_teaching_notes() {
    for b in BUILTIN {
        let sc = sim_core::scenario::load(b.text, b.name, &[])
            .unwrap_or_else(|d| panic!("built-in {} is invalid:\n{d}", b.name));
        assert!(
            sc.description.len() > 100,
            "built-in {} needs teaching notes in its description",
            b.name
        );
        assert!(
            !sc.expect.is_empty(),
            "built-in {} has no expect lines",
            b.name
        );
    }
}
