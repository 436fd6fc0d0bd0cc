//! Declarations, examples and records blocks: one [`Row`] each.
//!
//! A declaration's header (keyword, name, type, `=`) stays on one line:
//! a comment written inside it moves to a line above the declaration.

use super::expr::{end, literal_text, quote};
use super::printer::{Printer, close_block};
use super::rows::{Group, Row};
use super::text::Text;
use crate::ast::*;

impl Printer<'_> {
    pub fn item(&mut self, item: &Item) -> Row {
        let mut above = Vec::new();
        let mut row = match &item.kind {
            ItemKind::Policy(title) => {
                self.header(&mut above, "policy", title.span.start, &quote(&title.value))
            }
            ItemKind::Currency(code) => {
                self.header(&mut above, "currency", code.span.start, &code.name)
            }
            ItemKind::Rounding(places) => {
                self.header(&mut above, "rounding", places.span.start, &places.raw)
            }
            ItemKind::Input(input) => self.input(&mut above, input),
            ItemKind::Binding(binding) => self.binding(&mut above, binding),
            ItemKind::Gate(gate) => self.gate(&mut above, gate),
            ItemKind::Cap(cap) => {
                self.hoist(&mut above, cap.span.start);
                let mut body = Text::new("cap ");
                body.append(self.expr(cap));
                Row::new(Group::Rule, Vec::new(), body)
            }
            ItemKind::Example(example) => self.example(&mut above, example),
            ItemKind::Records(records) => self.records(&mut above, records),
        };
        // Anything left inside the declaration (between a value and its doc).
        self.hoist(&mut above, self.item_end(item));
        above.append(&mut row.above);
        row.above = above;
        row
    }

    /// Where a declaration's last token ends (the tree's spans of some
    /// declarations run over the whitespace after them).
    pub fn item_end(&self, item: &Item) -> usize {
        match &item.kind {
            ItemKind::Policy(title) => title.span.end,
            ItemKind::Currency(code) => code.span.end,
            ItemKind::Rounding(places) => places.span.end,
            ItemKind::Input(input) => input_end(&input.ty, &input.default, &input.doc),
            ItemKind::Binding(binding) => binding
                .doc
                .as_ref()
                .map_or(end(&binding.value), |doc| doc.span.end),
            ItemKind::Gate(gate) => gate.message.span.end,
            ItemKind::Cap(cap) => end(cap),
            ItemKind::Example(example) => self.example_close(example) + 1,
            ItemKind::Records(records) => self.records_close(records) + 1,
        }
    }

    fn header(&mut self, above: &mut Vec<String>, keyword: &str, at: usize, value: &str) -> Row {
        self.hoist(above, at);
        Row::new(
            Group::Header,
            Vec::new(),
            Text::new(&format!("{keyword} {value}")),
        )
    }

    /// `input NAME : TYPE [= DEFAULT] ["doc"]`
    fn input(&mut self, above: &mut Vec<String>, input: &Input) -> Row {
        self.hoist(above, input_end(&input.ty, &input.default, &input.doc));
        let cells = vec!["input".to_string(), input.name.name.clone()];
        let body = typed(&input.ty, &input.default);
        let mut row = Row::new(Group::Input, cells, body);
        row.doc = input.doc.as_ref().map(|doc| quote(&doc.value));
        row
    }

    /// `kpi NAME [: TYPE] = EXPR ["doc"]` and the same for param, let, bonus.
    fn binding(&mut self, above: &mut Vec<String>, binding: &Binding) -> Row {
        self.hoist(above, binding.value.span.start);
        let group = match binding.kind {
            BindingKind::Param => Group::Param,
            BindingKind::Let => Group::Let,
            BindingKind::Kpi => Group::Kpi,
            BindingKind::Bonus => Group::Bonus,
        };
        let ty = binding
            .ty
            .as_ref()
            .map_or(String::new(), |ty| format!(": {}", ty.name));
        let cells = vec![
            binding.kind.keyword().to_string(),
            binding.name.name.clone(),
            ty,
        ];
        let mut body = Text::new("= ");
        body.append(self.expr(&binding.value));
        let mut row = Row::new(group, cells, body);
        if let Some(doc) = &binding.doc {
            self.hoist(above, doc.span.start);
            row.doc = Some(quote(&doc.value));
        }
        row
    }

    /// `gate COND else "message"`; `else` may start a line of its own.
    fn gate(&mut self, above: &mut Vec<String>, gate: &Gate) -> Row {
        self.hoist(above, gate.cond.span.start);
        let mut body = Text::new("gate ");
        body.append(self.expr(&gate.cond));
        self.gap(
            &mut body,
            end(&gate.cond),
            gate.message.span.start,
            super::printer::Gap::BREAK,
        );
        body.push("else ");
        body.push(&quote(&gate.message.value));
        Row::new(Group::Rule, Vec::new(), body)
    }

    /// `example "title" {`, one statement a line, `}`.
    fn example(&mut self, above: &mut Vec<String>, example: &Example) -> Row {
        self.hoist(above, example.title.span.start);
        let open = self.next_token(example.title.span.end);
        self.hoist(above, open);
        let mut body = Text::new(&format!("example {} {{", quote(&example.title.value)));
        let block = self.pieces(
            Some(open + 1),
            &example.stmts,
            self.example_close(example),
            |_, stmt| (stmt.span.start, statement_end(stmt)),
            |printer, stmt| printer.statement(stmt),
        );
        close_block(&mut body, block);
        Row::new(Group::Example, Vec::new(), body)
    }

    fn example_close(&self, example: &Example) -> usize {
        let last = example
            .stmts
            .last()
            .map_or(example.title.span.end, statement_end);
        let after = if example.stmts.is_empty() {
            self.next_token(last) + 1
        } else {
            last
        };
        self.next_token(after)
    }

    fn statement(&mut self, stmt: &ExampleStmt) -> Row {
        let mut above = Vec::new();
        self.hoist(&mut above, statement_end(stmt));
        let text = match &stmt.kind {
            StmtKind::Given { name, value } => format!("{} = {}", name.name, literal_text(value)),
            StmtKind::Expect { name, value } => {
                format!("expect {} = {}", name.name, literal_text(value))
            }
            StmtKind::ExpectGate { message } => format!("expect gate {}", quote(&message.value)),
            StmtKind::Record { set, fields } => {
                let fields: Vec<String> = fields
                    .iter()
                    .map(|(name, value)| format!("{} = {}", name.name, literal_text(value)))
                    .collect();
                if fields.is_empty() {
                    format!("{} {{}}", set.name)
                } else {
                    format!("{} {{ {} }}", set.name, fields.join(", "))
                }
            }
        };
        let mut row = Row::new(Group::Statement, Vec::new(), Text::new(&text));
        row.above = above;
        row
    }

    /// `records NAME ["doc"] {`, one field a line, `}`.
    fn records(&mut self, above: &mut Vec<String>, records: &Records) -> Row {
        self.hoist(above, records.name.span.start);
        let mut head = format!("records {}", records.name.name);
        if let Some(doc) = &records.doc {
            self.hoist(above, doc.span.start);
            head.push(' ');
            head.push_str(&quote(&doc.value));
        }
        let open = self.next_token(records_head_end(records));
        self.hoist(above, open);
        head.push_str(" {");
        let mut body = Text::new(&head);
        let block = self.pieces(
            Some(open + 1),
            &records.fields,
            self.records_close(records),
            |_, field| {
                (
                    field.span.start,
                    input_end(&field.ty, &field.default, &field.doc),
                )
            },
            |printer, field| printer.field(field),
        );
        close_block(&mut body, block);
        Row::new(Group::Records, Vec::new(), body)
    }

    fn records_close(&self, records: &Records) -> usize {
        match records.fields.last() {
            Some(field) => self.next_token(input_end(&field.ty, &field.default, &field.doc)),
            None => self.next_token(self.next_token(records_head_end(records)) + 1),
        }
    }

    /// `NAME : TYPE [= DEFAULT] ["doc"]`, names and docs aligned.
    fn field(&mut self, field: &Field) -> Row {
        let mut above = Vec::new();
        self.hoist(&mut above, input_end(&field.ty, &field.default, &field.doc));
        let mut row = Row::new(
            Group::Field,
            vec![field.name.name.clone()],
            typed(&field.ty, &field.default),
        );
        row.doc = field.doc.as_ref().map(|doc| quote(&doc.value));
        row.above = above;
        row
    }
}

/// `: TYPE [= DEFAULT]`
fn typed(ty: &Ident, default: &Option<Literal>) -> Text {
    let mut text = format!(": {}", ty.name);
    if let Some(default) = default {
        text.push_str(" = ");
        text.push_str(&literal_text(default));
    }
    Text::new(&text)
}

/// The end of an input or a field: its doc, default or type.
fn input_end(ty: &Ident, default: &Option<Literal>, doc: &Option<StrLit>) -> usize {
    match (doc, default) {
        (Some(doc), _) => doc.span.end,
        (None, Some(default)) => default.span.end,
        (None, None) => ty.span.end,
    }
}

fn records_head_end(records: &Records) -> usize {
    records
        .doc
        .as_ref()
        .map_or(records.name.span.end, |doc| doc.span.end)
}

fn statement_end(stmt: &ExampleStmt) -> usize {
    match &stmt.kind {
        StmtKind::Given { value, .. } | StmtKind::Expect { value, .. } => value.span.end,
        StmtKind::ExpectGate { message } => message.span.end,
        StmtKind::Record { .. } => stmt.span.end,
    }
}
