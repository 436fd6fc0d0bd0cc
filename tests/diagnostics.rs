//! Rendered diagnostics, as a user sees them: one snapshot per policy in
//! `tests/cases/errors/`.

mod common;
use common::kpi_in;

#[test]
fn rendered_check_diagnostics() {
    insta::glob!("cases/errors/*.kpi", |path| {
        let dir = path.parent().expect("a folder");
        let name = path.file_name().and_then(|n| n.to_str()).expect("a name");
        let run = kpi_in(dir, &["check", name]);
        assert_eq!(run.code, 1, "{name} should not check");
        insta::assert_snapshot!(run.stderr);
    });
}
