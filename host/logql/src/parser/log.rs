//! Parsing the log side: stream selectors, pipeline stages, line filters with
//! `or`, `unwrap` (label filters are in `label_filter.rs`).

use super::Parser;
use crate::ast::*;
use crate::error::ParseError;
use crate::lexer::Tok;

impl Parser {
    /// `{matchers} [pipeline]`.
    pub(crate) fn parse_log_selector(&mut self) -> Result<LogSelector, ParseError> {
        let matchers = self.parse_matchers()?;
        let stages = self.parse_pipeline()?;
        Ok(LogSelector { matchers, stages })
    }

    /// `{ [matcher {, matcher}] }`.
    pub(crate) fn parse_matchers(&mut self) -> Result<Vec<Matcher>, ParseError> {
        self.expect(Tok::LBrace, &["{"])?;
        let mut out = Vec::new();
        if *self.peek_kind()? == Tok::RBrace {
            self.bump()?;
            return Ok(out);
        }
        loop {
            let name = self.expect_ident(&["IDENTIFIER", "}"])?;
            out.push(self.parse_matcher_rest(name)?);
            match self.peek_kind()? {
                Tok::Comma => {
                    self.bump()?;
                }
                Tok::RBrace => {
                    self.bump()?;
                    return Ok(out);
                }
                _ => return Err(self.unexpected_here(&["}", ","])),
            }
        }
    }

    /// The operator and value of a matcher whose name was read.
    pub(super) fn parse_matcher_rest(&mut self, name: String) -> Result<Matcher, ParseError> {
        let op = match self.peek_kind()? {
            Tok::Eq => MatchOp::Eq,
            Tok::Neq => MatchOp::Neq,
            Tok::Re => MatchOp::Re,
            Tok::Nre => MatchOp::Nre,
            _ => return Err(self.unexpected_here(&["=", "=~", "!~", "!="])),
        };
        self.bump()?;
        let value = self.expect_string(&["STRING"])?;
        crate::validate::check_matcher_regex(op, &value)?;
        Ok(Matcher { name, op, value })
    }

    /// Stages until something that is not one (`| unwrap` included).
    pub(crate) fn parse_pipeline(&mut self) -> Result<Vec<Stage>, ParseError> {
        let mut stages = Vec::new();
        loop {
            let op = match self.peek_kind()? {
                Tok::PipeExact => LineFilterOp::Contains,
                Tok::PipeMatch => LineFilterOp::Match,
                Tok::Neq => LineFilterOp::NotContains,
                Tok::Nre => LineFilterOp::NotMatch,
                Tok::Pipe => {
                    if matches!(self.peek2_kind()?, Tok::Keyword("unwrap")) {
                        return Ok(stages);
                    }
                    self.bump()?;
                    stages.push(self.parse_stage()?);
                    continue;
                }
                _ => return Ok(stages),
            };
            self.bump()?;
            self.parse_line_filter(op, &mut stages)?;
        }
    }

    /// The values of a line filter whose operator was read; `!= "a" or "b"`
    /// becomes two filters (Loki: `!(a or b) == !a and !b`).
    fn parse_line_filter(
        &mut self,
        op: LineFilterOp,
        stages: &mut Vec<Stage>,
    ) -> Result<(), ParseError> {
        let mut values = vec![self.parse_line_filter_value()?];
        while self.at_keyword("or")? {
            if matches!(values.last(), Some(LineFilterValue::Ip(_))) && values.len() > 1 {
                return Err(self.unexpected_here(&[]));
            }
            self.bump()?;
            values.push(self.parse_line_filter_value()?);
        }
        if op.is_negative() {
            stages.extend(values.into_iter().map(|v| {
                Stage::LineFilter(LineFilter {
                    op,
                    values: vec![v],
                })
            }));
        } else {
            stages.push(Stage::LineFilter(LineFilter { op, values }));
        }
        Ok(())
    }

    fn parse_line_filter_value(&mut self) -> Result<LineFilterValue, ParseError> {
        match self.peek_kind()? {
            Tok::Str(_) => Ok(LineFilterValue::Literal(self.expect_string(&[])?)),
            Tok::Ip => Ok(LineFilterValue::Ip(self.parse_ip_call()?)),
            _ => Err(self.unexpected_here(&["STRING", "ip"])),
        }
    }

    /// `ip("...")`.
    pub(super) fn parse_ip_call(&mut self) -> Result<String, ParseError> {
        self.bump()?;
        self.expect(Tok::LParen, &["("])?;
        let s = self.expect_string(&["STRING"])?;
        self.expect(Tok::RParen, &[")"])?;
        Ok(s)
    }

    /// A stage after its `|`.
    fn parse_stage(&mut self) -> Result<Stage, ParseError> {
        let kw = match self.peek_kind()? {
            Tok::Keyword(k) => *k,
            Tok::Ident(_) | Tok::LParen => {
                return Ok(Stage::LabelFilter(self.parse_label_filter()?));
            }
            _ => return Err(self.unexpected_here(&[])),
        };
        let stage = match kw {
            "json" => {
                self.bump()?;
                Stage::Json(self.parse_extractions()?)
            }
            "logfmt" => {
                self.bump()?;
                let (mut strict, mut keep_empty) = (false, false);
                while let Tok::ParserFlag(f) = self.peek_kind()? {
                    match f.as_str() {
                        "--strict" => strict = true,
                        _ => keep_empty = true,
                    }
                    self.bump()?;
                }
                Stage::Logfmt {
                    strict,
                    keep_empty,
                    extractions: self.parse_extractions()?,
                }
            }
            "regexp" | "pattern" => {
                self.bump()?;
                let s = self.expect_string(&["STRING"])?;
                crate::validate::check_parser_param(kw, &s)?;
                if kw == "regexp" {
                    Stage::Regexp(s)
                } else {
                    Stage::Pattern(s)
                }
            }
            "unpack" => {
                self.bump()?;
                Stage::Unpack
            }
            "line_format" => {
                self.bump()?;
                Stage::LineFormat(self.expect_string(&["STRING"])?)
            }
            "label_format" => {
                self.bump()?;
                Stage::LabelFormat(self.parse_label_formats()?)
            }
            "decolorize" => {
                self.bump()?;
                Stage::Decolorize
            }
            "drop" | "keep" => {
                self.bump()?;
                let items = self.parse_names_or_matchers()?;
                if kw == "drop" {
                    Stage::Drop(items)
                } else {
                    Stage::Keep(items)
                }
            }
            _ => return Err(self.unexpected_here(&[])),
        };
        Ok(stage)
    }

    /// `[IDENTIFIER [= STRING] {, ...}]` after `json` / `logfmt`.
    fn parse_extractions(&mut self) -> Result<Vec<LabelExtraction>, ParseError> {
        let mut out = Vec::new();
        if !matches!(self.peek_kind()?, Tok::Ident(_)) {
            return Ok(out);
        }
        loop {
            let label = self.expect_ident(&["IDENTIFIER"])?;
            let expression = if *self.peek_kind()? == Tok::Eq {
                self.bump()?;
                self.expect_string(&["STRING"])?
            } else {
                label.clone()
            };
            out.push(LabelExtraction { label, expression });
            if *self.peek_kind()? != Tok::Comma {
                return Ok(out);
            }
            self.bump()?;
        }
    }

    fn parse_label_formats(&mut self) -> Result<Vec<LabelFormat>, ParseError> {
        let mut out = Vec::new();
        loop {
            let dst = self.expect_ident(&["IDENTIFIER"])?;
            self.expect(Tok::Eq, &["="])?;
            out.push(match self.peek_kind()? {
                Tok::Ident(_) => LabelFormat::Rename {
                    dst,
                    src: self.expect_ident(&[])?,
                },
                Tok::Str(_) => LabelFormat::Template {
                    dst,
                    template: self.expect_string(&[])?,
                },
                _ => return Err(self.unexpected_here(&["IDENTIFIER", "STRING"])),
            });
            if *self.peek_kind()? != Tok::Comma {
                return Ok(out);
            }
            self.bump()?;
        }
    }

    fn parse_names_or_matchers(&mut self) -> Result<Vec<NameOrMatcher>, ParseError> {
        let mut out = Vec::new();
        loop {
            let name = self.expect_ident(&["IDENTIFIER"])?;
            out.push(match self.peek_kind()? {
                Tok::Eq | Tok::Neq | Tok::Re | Tok::Nre => {
                    NameOrMatcher::Matcher(self.parse_matcher_rest(name)?)
                }
                _ => NameOrMatcher::Name(name),
            });
            if *self.peek_kind()? != Tok::Comma {
                return Ok(out);
            }
            self.bump()?;
        }
    }

    /// `| unwrap label` or `| unwrap conv(label)`, then `| labelFilter`s.
    pub(crate) fn parse_unwrap_opt(&mut self) -> Result<Option<Unwrap>, ParseError> {
        if !(*self.peek_kind()? == Tok::Pipe
            && matches!(self.peek2_kind()?, Tok::Keyword("unwrap")))
        {
            return Ok(None);
        }
        self.bump()?;
        self.bump()?;
        let (label, conversion) = match self.peek_kind()?.clone() {
            Tok::Ident(_) => (self.expect_ident(&[])?, Conversion::Float),
            Tok::Conv(c) => {
                self.bump()?;
                self.expect(Tok::LParen, &["("])?;
                let label = self.expect_ident(&["IDENTIFIER"])?;
                self.expect(Tok::RParen, &[")"])?;
                let conv = match c {
                    "bytes" => Conversion::Bytes,
                    "duration" => Conversion::Duration,
                    _ => Conversion::DurationSeconds,
                };
                (label, conv)
            }
            _ => return Err(self.unexpected_here(&[])),
        };
        let mut post_filters = Vec::new();
        while *self.peek_kind()? == Tok::Pipe
            && matches!(self.peek2_kind()?, Tok::Ident(_) | Tok::LParen)
        {
            self.bump()?;
            post_filters.push(self.parse_label_filter()?);
        }
        Ok(Some(Unwrap {
            label,
            conversion,
            post_filters,
        }))
    }
}
