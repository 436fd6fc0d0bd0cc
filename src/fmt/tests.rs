use super::*;

fn formatted(source: &str) -> String {
    match format(source) {
        Ok(text) => text,
        Err(FormatError::Parse(errors)) => panic!("does not parse: {errors:?}"),
        Err(FormatError::Unsafe(error)) => panic!("{error}"),
    }
}

#[test]
fn smoke() {
    let src = "policy \"x\" # title\ncurrency USD\ninput a : money # the a\ninput bbb : number = 3 \"doc\"\n\n\n# about k\nkpi k : percent = a / 2 USD\nkpi kk = if a > 0 then 1 else 2\nlet t = tiers k { # steps\n below 80% : 0 # low\n\n # middle\n below 100% : 1\n otherwise : 2\n}\nbonus b = 5 USD *\n  t\nexample \"e\" {\n a = 1 USD # x\n expect b = 5 USD\n}\n# the end\n";
    let out = formatted(src);
    println!("{out}");
    assert_eq!(formatted(&out), out);
}
