//! "Did you mean …?" for names the user mistyped.

/// The candidate closest to `wrong`, if one is close enough to be a likely
/// typo (a case slip, or a few letters off for its length).
pub fn closest<'c>(wrong: &str, candidates: impl IntoIterator<Item = &'c str>) -> Option<&'c str> {
    let wrong_lower = wrong.to_lowercase();
    let mut best: Option<(usize, &str)> = None;
    for candidate in candidates {
        if candidate == wrong {
            continue;
        }
        let distance = if candidate.to_lowercase() == wrong_lower {
            0
        } else {
            strsim::damerau_levenshtein(&wrong_lower, &candidate.to_lowercase())
        };
        let limit = (wrong.chars().count().max(candidate.chars().count()) / 3).max(1);
        if distance <= limit && best.is_none_or(|(d, _)| distance < d) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, candidate)| candidate)
}

/// `did you mean `revenue`?`, if a close candidate exists.
pub fn did_you_mean<'c>(
    wrong: &str,
    candidates: impl IntoIterator<Item = &'c str>,
) -> Option<String> {
    closest(wrong, candidates).map(|name| format!("did you mean `{name}`?"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_typos_and_case_slips() {
        let names = ["revenue", "revenue_plan", "deals"];
        assert_eq!(closest("revnue", names), Some("revenue"));
        assert_eq!(closest("Revenue", names), Some("revenue"));
        assert_eq!(closest("deal", names), Some("deals"));
        assert_eq!(closest("meetings", names), None);
        assert_eq!(closest("x", names), None);
    }
}
