//! Phrases shared by the text and Markdown statements.

use super::formula::{self, TableInfo, Template, shown};
use super::tier::{self, Direction, Lever, NextTier, TierOutcome};
use super::{Explainer, TableDetail};
use crate::plan::TableKind;
use crate::value::{self, Type, Value};
use rust_decimal::Decimal;

/// A number shown as `ty`.
pub(super) fn num(explainer: &Explainer<'_>, n: Decimal, ty: Type) -> String {
    shown(&Value::Num(n), ty, explainer.plan)
}

/// A change shown with its sign: `+9.9%`, `-1,500.00 RUB`.
pub(super) fn signed(explainer: &Explainer<'_>, n: Decimal, ty: Type) -> String {
    let text = num(explainer, n, ty);
    if n.is_sign_positive() && !n.is_zero() {
        format!("+{text}")
    } else {
        text
    }
}

/// `attainment 93.4% is at least 80% and below 100%`.
pub(super) fn tier_reason(
    explainer: &Explainer<'_>,
    info: &TableInfo<'_>,
    subject: Decimal,
    lower: Option<Decimal>,
    upper: Option<Decimal>,
) -> String {
    let ty = info.subject_type;
    let s = num(explainer, subject, ty);
    let bound = |b| num(explainer, b, ty);
    match (lower, upper) {
        (None, Some(upper)) => format!("{} {s} is below {}", info.subject, bound(upper)),
        (Some(lower), Some(upper)) => format!(
            "{} {s} is at least {} and below {}",
            info.subject,
            bound(lower),
            bound(upper)
        ),
        (Some(lower), None) => format!("{} {s} is at least {}", info.subject, bound(lower)),
        (None, None) => format!("{} is {s}", info.subject),
    }
}

/// What one table did, as notes; each with the arm it belongs to, if any
/// (the text statement writes a note beside its arm).
pub(super) fn table_notes(
    explainer: &Explainer<'_>,
    info: &TableInfo<'_>,
    detail: &TableDetail,
) -> Vec<(Option<usize>, String)> {
    let plan = explainer.plan;
    let value_type = info.value_type;
    match detail {
        TableDetail::Tiers {
            subject,
            arm,
            lower,
            upper,
            value,
        } => vec![(
            Some(*arm),
            format!(
                "{}: {}",
                tier_reason(explainer, info, *subject, *lower, *upper),
                shown(value, value_type, plan)
            ),
        )],
        TableDetail::Match {
            subject,
            arm,
            value,
        } => {
            let subject_text = shown(subject, Type::Text, plan);
            let listed = *arm + 1 < info.arms.len();
            let how = if listed {
                format!("{} is {subject_text}", info.subject)
            } else {
                format!("{} is {subject_text}, which no arm lists", info.subject)
            };
            vec![(
                Some(*arm),
                format!("{how}: {}", shown(value, value_type, plan)),
            )]
        }
        TableDetail::Marginal {
            subject,
            slices,
            total,
        } => {
            let subject_type = info.subject_type;
            let rate_type = factor_type(info);
            let mut notes: Vec<(Option<usize>, String)> = slices
                .iter()
                .map(|slice| {
                    let width = value::sub(slice.to, slice.from).unwrap_or(Decimal::ZERO);
                    (
                        Some(slice.arm),
                        format!(
                            "{} × {} = {}",
                            num(explainer, width, subject_type),
                            num(explainer, slice.rate, rate_type),
                            num(explainer, slice.amount, value_type)
                        ),
                    )
                })
                .collect();
            if slices.is_empty() {
                notes.push((
                    None,
                    format!(
                        "{} {} is not above zero: no slice pays",
                        info.subject,
                        num(explainer, *subject, subject_type)
                    ),
                ));
            } else if slices.len() > 1 {
                let amounts: Vec<String> = slices
                    .iter()
                    .map(|s| num(explainer, s.amount, value_type))
                    .collect();
                notes.push((
                    None,
                    format!(
                        "{} {} in slices: {} = {}",
                        info.subject,
                        num(explainer, *subject, subject_type),
                        amounts.join(" + "),
                        num(explainer, *total, value_type)
                    ),
                ));
            }
            notes
        }
        TableDetail::Curve {
            subject,
            arm,
            lower,
            upper,
            value,
        } => {
            let ty = info.subject_type;
            let s = num(explainer, *subject, ty);
            let v = num(explainer, *value, value_type);
            let point = |p: Decimal| num(explainer, p, ty);
            let at_value = |v: Decimal| num(explainer, v, value_type);
            let note = match (lower, upper) {
                (None, Some((p, _))) if subject == p => {
                    format!("{} is exactly {}: {v}", info.subject, point(*p))
                }
                (None, Some((p, _))) => format!(
                    "{} {s} is at or below the first point, {}: {v}",
                    info.subject,
                    point(*p)
                ),
                (Some((p, _)), None) => format!(
                    "{} {s} is above the last point, {}: {v}",
                    info.subject,
                    point(*p)
                ),
                (Some((p0, v0)), Some((p1, v1))) => format!(
                    "{} {s} lies between {} → {} and {} → {}: {v}",
                    info.subject,
                    point(*p0),
                    at_value(*v0),
                    point(*p1),
                    at_value(*v1)
                ),
                (None, None) => format!("{} {s}: {v}", info.subject),
            };
            vec![(Some(*arm), note)]
        }
        TableDetail::Weighted { terms, total } => {
            let weight_type = factor_type(info);
            let _ = total;
            terms
                .iter()
                .map(|term| {
                    (
                        Some(term.arm),
                        format!(
                            "{} × {} = {}",
                            num(explainer, term.value, Type::Number),
                            num(explainer, term.weight, weight_type),
                            num(explainer, term.amount, Type::Number)
                        ),
                    )
                })
                .collect()
        }
    }
}

/// How rates (marginal) and weights (weighted) are shown: as written.
fn factor_type(info: &TableInfo<'_>) -> Type {
    let percent = info.arms.iter().all(|arm| arm.trim_end().ends_with('%'));
    match (&info.table.kind, percent) {
        (TableKind::Marginal { .. } | TableKind::Weighted { .. }, true) => Type::Percent,
        _ => Type::Number,
    }
}

/// The table of a formula at a position.
pub(super) fn table_info<'t, 'a>(
    template: &'t Template<'a>,
    index: usize,
) -> Option<&'t TableInfo<'a>> {
    template.tables.get(index)
}

/// `+9.9% attainment (98,958.75 RUB more revenue) reaches the next tier
/// `below 130% : 1.3`: +13,000.00 RUB (payout 60,415.38 RUB)`.
pub(super) fn next_tier(explainer: &Explainer<'_>, next: &NextTier) -> String {
    let Some(info) = explainer
        .steps
        .get(next.step)
        .and_then(|step| step.template.tables.get(next.table_index))
    else {
        return String::new();
    };
    let subject = &info.subject;
    match &next.outcome {
        TierOutcome::LastTier => {
            let last = info.arms.last().map_or("", String::as_str);
            format!("{subject} is in the last tier (`{last}`)")
        }
        TierOutcome::Unavailable(reason) => format!("{subject}: {reason}"),
        TierOutcome::Reached(reach) => {
            let plan = explainer.plan;
            let needed = value::sub(reach.threshold, reach.subject_from).unwrap_or(Decimal::ZERO);
            let lever = tier::lever_name(explainer, reach.lever);
            let lever_type = tier::lever_type(plan, reach.lever);
            let change = value::sub(reach.lever_to, reach.lever_from).unwrap_or(Decimal::ZERO);
            let moved = match reach.lever {
                // The subject is the input itself: its change says it all.
                Lever::Input(_) if lever == *subject => String::new(),
                Lever::Input(_) => format!(" ({lever} {})", signed(explainer, change, lever_type)),
                Lever::Aggregate(_) => {
                    format!(" (`{lever}` {})", signed(explainer, change, lever_type))
                }
            };
            let tier_word = match reach.direction {
                Direction::Up => "the next tier",
                Direction::Down => "the better tier below",
            };
            let arm = info.arms.get(reach.arm_to).map_or("", String::as_str);
            let payout_change =
                value::sub(reach.payout_to, reach.payout_from).unwrap_or(Decimal::ZERO);
            let effect = if payout_change.is_zero() {
                format!(
                    "the payout stays {}",
                    num(explainer, reach.payout_to, Type::Money)
                )
            } else {
                format!(
                    "{} (payout {})",
                    signed(explainer, payout_change, Type::Money),
                    num(explainer, reach.payout_to, Type::Money)
                )
            };
            format!(
                "{} {subject}{moved} reaches {tier_word} `{arm}`: {effect}",
                signed(explainer, needed, info.subject_type),
            )
        }
    }
}

/// A value of the statement, shown.
pub(super) fn value(explainer: &Explainer<'_>, value: &Value, ty: Type) -> String {
    formula::shown(value, ty, explainer.plan)
}
