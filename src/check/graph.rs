//! The order of evaluation: declarations after what they use, and every
//! cycle reported with all its members.
//!
//! Iterative (Tarjan's algorithm with an explicit stack), so that a chain of
//! a million `let`s cannot exhaust the call stack.

use super::{CheckError, Checker, Named, labels};
use crate::ast::{AggregateOf, ArmLeft, Expr, ExprKind};
use crate::plan::Role;
use std::collections::{HashMap, HashSet, VecDeque};

pub(super) struct Order {
    /// Params, lets, kpis and bonus lines, each after everything it uses.
    pub evaluation: Vec<usize>,
    /// Declarations that are part of a cycle (reported already).
    pub in_cycle: HashSet<usize>,
}

pub(super) fn order(checker: &mut Checker<'_>) -> Order {
    let edges: Vec<Vec<usize>> = checker
        .decls
        .iter()
        .map(|decl| {
            let mut uses = Vec::new();
            if let Some(expr) = decl.expr {
                references(checker, expr, None, &mut uses);
            }
            uses.sort_unstable();
            uses.dedup();
            uses
        })
        .collect();
    let mut evaluation = Vec::new();
    let mut in_cycle = HashSet::new();
    for component in strongly_connected(&edges) {
        let cyclic = component.len() > 1 || edges[component[0]].contains(&component[0]);
        if cyclic {
            report_cycle(checker, &component, &edges);
            in_cycle.extend(component.iter().copied());
        }
        evaluation.extend(
            component
                .into_iter()
                .filter(|index| checker.decls[*index].role != Role::Input),
        );
    }
    Order {
        evaluation,
        in_cycle,
    }
}

/// The declarations `expr` uses. Inside an aggregate over a set, names of
/// the set's fields are fields, not declarations.
fn references(checker: &Checker<'_>, expr: &Expr, set: Option<usize>, out: &mut Vec<usize>) {
    match &expr.kind {
        ExprKind::Lit(_) => {}
        ExprKind::Name(ident) => {
            let is_field = set.is_some_and(|set| checker.sets[set].field(&ident.name).is_some());
            if !is_field && let Some(Named::Decl(index)) = checker.names.get(ident.name.as_str()) {
                out.push(*index);
            }
        }
        ExprKind::Unary(_, operand) | ExprKind::Paren(operand) => {
            references(checker, operand, set, out)
        }
        ExprKind::Binary(_, a, b) => {
            references(checker, a, set, out);
            references(checker, b, set, out);
        }
        ExprKind::If(branch) => {
            for part in [&branch.cond, &branch.then, &branch.otherwise] {
                references(checker, part, set, out);
            }
        }
        ExprKind::Call(call) => {
            for arg in &call.args {
                references(checker, arg, set, out);
            }
        }
        ExprKind::Aggregate(aggregate) => {
            let inner = match checker.names.get(aggregate.set.name.as_str()) {
                Some(Named::Set(index)) => Some(*index),
                _ => set,
            };
            if let AggregateOf::Expr(value) = &aggregate.of {
                references(checker, value, inner, out);
            }
            if let Some(filter) = &aggregate.filter {
                references(checker, filter, inner, out);
            }
        }
        ExprKind::Table(table) => {
            if let Some(subject) = &table.subject {
                references(checker, subject, set, out);
            }
            for arm in &table.arms {
                match &arm.left {
                    ArmLeft::Below(e) | ArmLeft::UpTo(e) | ArmLeft::Expr(e) => {
                        references(checker, e, set, out)
                    }
                    ArmLeft::Otherwise(_) | ArmLeft::Strings(_) => {}
                }
                references(checker, &arm.value, set, out);
            }
        }
    }
}

/// Tarjan's strongly connected components; each component comes after
/// every component it has edges to, so the output is an evaluation order.
fn strongly_connected(edges: &[Vec<usize>]) -> Vec<Vec<usize>> {
    const UNVISITED: usize = usize::MAX;
    let n = edges.len();
    let mut index_of = vec![UNVISITED; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut stack = Vec::new();
    let mut components = Vec::new();
    let mut next_index = 0;
    for root in 0..n {
        if index_of[root] != UNVISITED {
            continue;
        }
        let mut calls = vec![(root, 0usize)];
        index_of[root] = next_index;
        low[root] = next_index;
        next_index += 1;
        stack.push(root);
        on_stack[root] = true;
        while let Some(&mut (node, ref mut next_edge)) = calls.last_mut() {
            if let Some(&target) = edges[node].get(*next_edge) {
                *next_edge += 1;
                if index_of[target] == UNVISITED {
                    index_of[target] = next_index;
                    low[target] = next_index;
                    next_index += 1;
                    stack.push(target);
                    on_stack[target] = true;
                    calls.push((target, 0));
                } else if on_stack[target] {
                    low[node] = low[node].min(index_of[target]);
                }
                continue;
            }
            calls.pop();
            if let Some(&(parent, _)) = calls.last() {
                low[parent] = low[parent].min(low[node]);
            }
            if low[node] == index_of[node] {
                let mut component = Vec::new();
                while let Some(member) = stack.pop() {
                    on_stack[member] = false;
                    component.push(member);
                    if member == node {
                        break;
                    }
                }
                component.sort_unstable();
                components.push(component);
            }
        }
    }
    components
}

fn report_cycle(checker: &mut Checker<'_>, component: &[usize], edges: &[Vec<usize>]) {
    let path = cycle_through(component, edges);
    let name = |index: usize| checker.decls[index].name.name.as_str();
    let arrow: Vec<&str> = path.iter().map(|index| name(*index)).collect();
    let message = if component.len() == 1 {
        format!("`{}` is computed from itself", name(component[0]))
    } else {
        format!(
            "these declarations depend on each other in a cycle: {}",
            arrow.join(" → ")
        )
    };
    let parts: Vec<_> = path
        .windows(2)
        .map(|pair| {
            (
                checker.decls[pair[0]].name.span,
                format!("`{}` uses `{}`", name(pair[0]), name(pair[1])),
            )
        })
        .collect();
    let error = CheckError::Cycle {
        message,
        labels: labels(&parts),
        help: Some(
            "a value cannot be computed from itself; compute one of them from inputs and params only"
                .to_string(),
        ),
    };
    checker.errors.push(error);
}

/// A closed path through the component's first member (by declaration
/// order), found breadth first: `[a, b, c, a]`.
fn cycle_through(component: &[usize], edges: &[Vec<usize>]) -> Vec<usize> {
    let start = component[0];
    let members: HashSet<usize> = component.iter().copied().collect();
    let mut parent: HashMap<usize, usize> = HashMap::new();
    let mut queue = VecDeque::from([start]);
    while let Some(node) = queue.pop_front() {
        for &next in &edges[node] {
            if next == start {
                let mut path = vec![node];
                let mut at = node;
                while let Some(&before) = parent.get(&at).filter(|_| at != start) {
                    path.push(before);
                    at = before;
                }
                path.reverse();
                path.push(start);
                return path;
            }
            if members.contains(&next) && !parent.contains_key(&next) {
                parent.insert(next, node);
                queue.push_back(next);
            }
        }
    }
    let mut path = component.to_vec();
    path.push(start);
    path
}
