//! RDF datasets as plain data, and N-Quads: the canonical serialization that RDFC-1.0
//! outputs and a bounded parser for test vectors and round trips.
//!
//! <https://www.w3.org/TR/rdf12-n-quads/#canonical-quads>

use std::fmt::Write as _;

use crate::Error;

/// `http://www.w3.org/2001/XMLSchema#string`, the datatype of a simple literal.
pub const XSD_STRING: &str = "http://www.w3.org/2001/XMLSchema#string";
/// `http://www.w3.org/1999/02/22-rdf-syntax-ns#langString`, the datatype of a literal
/// with a language tag.
pub const RDF_LANG_STRING: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString";

/// An RDF term: an IRI, a blank node or a literal.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Term {
    /// An absolute IRI, without the angle brackets.
    Iri(String),
    /// A blank node, by its label (without `_:`).
    Blank(String),
    /// A literal.
    Literal(Literal),
}

impl Term {
    /// The blank node label, if this is a blank node.
    pub fn as_blank(&self) -> Option<&str> {
        match self {
            Self::Blank(label) => Some(label),
            _ => None,
        }
    }
}

/// An RDF literal.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Literal {
    /// The lexical form.
    pub value: String,
    /// The datatype IRI: [`XSD_STRING`] for a simple literal, [`RDF_LANG_STRING`] when
    /// `language` is set.
    pub datatype: String,
    /// The language tag.
    pub language: Option<String>,
}

/// A quad: a triple and the graph it is in (`None`: the default graph).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Quad {
    /// The subject: an IRI or a blank node.
    pub subject: Term,
    /// The predicate: an IRI.
    pub predicate: Term,
    /// The object.
    pub object: Term,
    /// The graph name: an IRI or a blank node, `None` for the default graph.
    pub graph: Option<Term>,
}

impl Quad {
    /// The quad as one line of canonical N-Quads, with its final `\n`.
    pub fn to_nquad(&self) -> String {
        let mut out = String::with_capacity(128);
        write_quad(self, &mut out);
        out
    }
}

/// Writes `quad` as one canonical N-Quads line to `out`.
pub(crate) fn write_quad(quad: &Quad, out: &mut String) {
    write_term(&quad.subject, out);
    out.push(' ');
    write_term(&quad.predicate, out);
    out.push(' ');
    write_term(&quad.object, out);
    if let Some(graph) = &quad.graph {
        out.push(' ');
        write_term(graph, out);
    }
    out.push_str(" .\n");
}

/// Writes one term in its canonical N-Quads form.
pub(crate) fn write_term(term: &Term, out: &mut String) {
    match term {
        Term::Iri(iri) => {
            out.push('<');
            out.push_str(iri);
            out.push('>');
        }
        Term::Blank(label) => {
            out.push_str("_:");
            out.push_str(label);
        }
        Term::Literal(literal) => {
            out.push('"');
            escape_string(&literal.value, out);
            out.push('"');
            if let Some(language) = &literal.language {
                out.push('@');
                out.push_str(language);
            } else if literal.datatype != XSD_STRING {
                out.push_str("^^<");
                out.push_str(&literal.datatype);
                out.push('>');
            }
        }
    }
}

/// Escapes a literal's lexical form as canonical N-Quads do.
///
/// > Characters U+0022 (QUOTATION MARK), U+005C (REVERSE SOLIDUS), U+000A (LINE FEED)
/// > and U+000D (CARRIAGE RETURN) MUST be encoded using ECHAR. [...] Characters
/// > U+0000 to U+0007, U+000B, U+000E to U+001F and U+007F MUST be encoded with UCHAR
/// > using lowercase `\u` and 4 uppercase hexadecimal digits. Characters U+0008,
/// > U+0009 and U+000C MUST be encoded using ECHAR.
///
/// <https://www.w3.org/TR/rdf12-n-triples/#canonical-ntriples>
fn escape_string(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\u{c}' => out.push_str("\\f"),
            '\u{0}'..='\u{1f}' | '\u{7f}' => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            other => out.push(other),
        }
    }
}

/// Serializes `quads` as N-Quads, one line each, in the given order.
pub fn to_nquads(quads: &[Quad]) -> String {
    let mut out = String::with_capacity(quads.len() * 128);
    for quad in quads {
        write_quad(quad, &mut out);
    }
    out
}

/// Most bytes [`parse_nquads`] reads.
pub const MAX_NQUADS_BYTES: usize = 4 * 1024 * 1024;

/// Parses an N-Quads document (RDF 1.1 N-Quads, no RDF 1.2 triple terms).
///
/// Errors with [`Error::InvalidNQuads`] on a syntax error and [`Error::TooLarge`] over
/// [`MAX_NQUADS_BYTES`].
pub fn parse_nquads(text: &str) -> Result<Vec<Quad>, Error> {
    if text.len() > MAX_NQUADS_BYTES {
        return Err(Error::TooLarge {
            what: "N-Quads document",
            limit: MAX_NQUADS_BYTES,
        });
    }
    let mut quads = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let mut parser = LineParser {
            rest: line,
            line,
            number: number + 1,
        };
        if let Some(quad) = parser.quad()? {
            quads.push(quad);
        }
    }
    Ok(quads)
}

struct LineParser<'a> {
    /// What is left of the line.
    rest: &'a str,
    line: &'a str,
    number: usize,
}

impl LineParser<'_> {
    fn error(&self, reason: &str) -> Error {
        Error::InvalidNQuads(format!("line {}: {reason}: {:?}", self.number, self.line))
    }

    fn peek(&self) -> Option<char> {
        self.rest.chars().next()
    }

    fn next(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.rest = &self.rest[c.len_utf8()..];
        Some(c)
    }

    fn skip_space(&mut self) {
        self.rest = self.rest.trim_start_matches([' ', '\t']);
    }

    fn at_end(&mut self) -> bool {
        self.skip_space();
        matches!(self.peek(), None | Some('#'))
    }

    fn quad(&mut self) -> Result<Option<Quad>, Error> {
        if self.at_end() {
            return Ok(None);
        }
        let subject = self.term()?;
        if matches!(subject, Term::Literal(_)) {
            return Err(self.error("a literal subject"));
        }
        self.skip_space();
        let predicate = self.term()?;
        if !matches!(predicate, Term::Iri(_)) {
            return Err(self.error("a predicate that is not an IRI"));
        }
        self.skip_space();
        let object = self.term()?;
        self.skip_space();
        let graph = if self.peek() == Some('.') {
            None
        } else {
            let graph = self.term()?;
            if matches!(graph, Term::Literal(_)) {
                return Err(self.error("a literal graph name"));
            }
            self.skip_space();
            Some(graph)
        };
        if self.next() != Some('.') {
            return Err(self.error("no final ."));
        }
        if !self.at_end() {
            return Err(self.error("text after the final ."));
        }
        Ok(Some(Quad {
            subject,
            predicate,
            object,
            graph,
        }))
    }

    fn term(&mut self) -> Result<Term, Error> {
        match self.next() {
            Some('<') => Ok(Term::Iri(self.iri()?)),
            Some('_') => {
                if self.next() != Some(':') {
                    return Err(self.error("a blank node without _:"));
                }
                let is_label =
                    |c: char| c.is_alphanumeric() || matches!(c, '_' | '-' | ':' | '\u{b7}');
                let mut end = 0;
                let mut chars = self.rest.char_indices().peekable();
                while let Some((i, c)) = chars.next() {
                    if is_label(c) {
                        end = i + c.len_utf8();
                    } else if c == '.'
                        && chars.peek().is_some_and(|(_, n)| is_label(*n) || *n == '.')
                    {
                        // A `.` inside a label; a label never ends with one.
                    } else {
                        break;
                    }
                }
                let label = &self.rest[..end];
                if label.is_empty() || label.ends_with('.') {
                    return Err(self.error("a bad blank node label"));
                }
                self.rest = &self.rest[end..];
                Ok(Term::Blank(label.to_owned()))
            }
            Some('"') => {
                let value = self.string()?;
                let (datatype, language) = match self.peek() {
                    Some('@') => {
                        self.next();
                        let end = self
                            .rest
                            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
                            .unwrap_or(self.rest.len());
                        let tag = &self.rest[..end];
                        if tag.is_empty() {
                            return Err(self.error("an empty language tag"));
                        }
                        self.rest = &self.rest[end..];
                        (RDF_LANG_STRING.to_owned(), Some(tag.to_owned()))
                    }
                    Some('^') => {
                        self.next();
                        if self.next() != Some('^') || self.next() != Some('<') {
                            return Err(self.error("a datatype without ^^<"));
                        }
                        (self.iri()?, None)
                    }
                    _ => (XSD_STRING.to_owned(), None),
                };
                Ok(Term::Literal(Literal {
                    value,
                    datatype,
                    language,
                }))
            }
            _ => Err(self.error("no term")),
        }
    }

    fn iri(&mut self) -> Result<String, Error> {
        let mut iri = String::new();
        loop {
            match self.next() {
                Some('>') => return Ok(iri),
                Some('\\') => iri.push(self.uchar()?),
                Some(c) if c <= ' ' || "<\"{}|^`".contains(c) => {
                    return Err(self.error("a character not allowed in an IRI"));
                }
                Some(c) => iri.push(c),
                None => return Err(self.error("an unterminated IRI")),
            }
        }
    }

    fn uchar(&mut self) -> Result<char, Error> {
        let digits = match self.next() {
            Some('u') => 4,
            Some('U') => 8,
            _ => return Err(self.error("a bad escape")),
        };
        let mut code = 0u32;
        for _ in 0..digits {
            let digit = self
                .next()
                .and_then(|c| c.to_digit(16))
                .ok_or_else(|| self.error("a bad \\u escape"))?;
            code = code * 16 + digit;
        }
        char::from_u32(code).ok_or_else(|| self.error("an escape that is no character"))
    }

    fn string(&mut self) -> Result<String, Error> {
        let mut value = String::new();
        loop {
            match self.next() {
                Some('"') => return Ok(value),
                Some('\\') => match self.peek() {
                    Some('u' | 'U') => value.push(self.uchar()?),
                    Some(c) => {
                        self.next();
                        value.push(match c {
                            't' => '\t',
                            'b' => '\u{8}',
                            'n' => '\n',
                            'r' => '\r',
                            'f' => '\u{c}',
                            '"' => '"',
                            '\'' => '\'',
                            '\\' => '\\',
                            _ => return Err(self.error("a bad escape")),
                        });
                    }
                    None => return Err(self.error("an unterminated string")),
                },
                Some('\n' | '\r') | None => return Err(self.error("an unterminated string")),
                Some(c) => value.push(c),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let text = "_:b0 <http://ex/p> \"a\\\"b\\n\\u0001\\t\"@en-US <http://ex/g> .\n\
                    <http://ex/s> <http://ex/p> \"1\"^^<http://www.w3.org/2001/XMLSchema#integer> .\n\
                    <http://ex/s> <http://ex/p> _:b1 .\n";
        let quads = parse_nquads(text).unwrap();
        assert_eq!(quads.len(), 3);
        assert_eq!(to_nquads(&quads), text);
    }

    #[test]
    fn refuses_garbage() {
        for bad in [
            "<a> <b> .",
            "\"x\" <p> <o> .",
            "<s> _:p <o> .",
            "<s> <p> \"x .",
            "<s> <p> <o>",
            "<s> <p> <o> . x",
        ] {
            assert!(parse_nquads(bad).is_err(), "{bad}");
        }
    }
}
